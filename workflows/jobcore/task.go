package jobcore

const (
	TaskWorkflowName = "Task"
)

const (
	RoleAssistant = "assistant"
)

const (
	RoleTeamLead = "teamlead"
)
