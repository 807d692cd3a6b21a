package outreach

import "github.com/jobflow/jobflow/rules"

// Messages of the absence workflow (workflows/absence.go) beyond the A-1..A-5
// texts in catalogue.go: offers and hand-over notes to colleagues (SMS, so
// short and without links), and two ops alerts. Jobs are named by id only
// (V-14).
func init() {
	for id, e := range map[string]entry{
		// a colleague is offered a job of an absent worker.
		"absence.substitute_offer": {
			Fields: []string{"job_id", "due", "timezone"},
			Versions: map[rules.Language]variant{
				sv: v("Ersättare sökes: {{.job_id}}", `En kollega är frånvarande. Kan du ta uppdrag {{.job_id}} ({{when .due}})? Den första som tackar ja i appen får uppdraget.`),
				da: v("Afløser søges: {{.job_id}}", `En kollega er fraværende. Kan du tage opgave {{.job_id}} ({{when .due}})? Den første, der siger ja i appen, får opgaven.`),
				de: v("Vertretung gesucht: {{.job_id}}", `Eine Kollegin oder ein Kollege ist abwesend. Können Sie Auftrag {{.job_id}} ({{when .due}}) übernehmen? Wer zuerst in der App zusagt, erhält den Auftrag.`),
				en: v("Substitute wanted: {{.job_id}}", `A colleague is away. Can you take job {{.job_id}} ({{when .due}})? The first to accept in the app gets it.`),
			},
		},
		// time for a hand-over.
		"absence.handover": {
			Fields: []string{"job_id", "worker_id", "due", "timezone"},
			Versions: map[rules.Language]variant{
				sv: v("Överlämning: {{.job_id}}", `Uppdrag {{.job_id}} går från {{.worker_id}} till ersättaren. Överlämning senast {{when .due}}; anteckningarna finns i uppdraget.`),
				da: v("Overdragelse: {{.job_id}}", `Opgave {{.job_id}} går fra {{.worker_id}} til afløseren. Overdragelse senest {{when .due}}; noterne ligger i opgaven.`),
				de: v("Übergabe: {{.job_id}}", `Auftrag {{.job_id}} geht von {{.worker_id}} an die Vertretung. Übergabe bis spätestens {{when .due}}; die Notizen stehen im Auftrag.`),
				en: v("Hand-over: {{.job_id}}", `Job {{.job_id}} moves from {{.worker_id}} to the substitute. Hand-over by {{when .due}}; the notes are in the job.`),
			},
		},
		// The absence was cut short: the job goes back to its worker.
		"absence.job_returned": {
			Fields: []string{"job_id", "worker_id"},
			Versions: map[rules.Language]variant{
				sv: v("Uppdrag tillbaka: {{.job_id}}", `{{.worker_id}} är tillbaka tidigare. Uppdrag {{.job_id}} går tillbaka till {{.worker_id}}. Tack för att du ställde upp!`),
				da: v("Opgave tilbage: {{.job_id}}", `{{.worker_id}} er tilbage før tid. Opgave {{.job_id}} går tilbage til {{.worker_id}}. Tak fordi du trådte til!`),
				de: v("Auftrag zurück: {{.job_id}}", `{{.worker_id}} ist früher zurück. Auftrag {{.job_id}} geht an {{.worker_id}} zurück. Danke fürs Einspringen!`),
				en: v("Job returned: {{.job_id}}", `{{.worker_id}} is back early. Job {{.job_id}} goes back to {{.worker_id}}. Thank you for stepping in!`),
			},
		},
		// the manager approves, without questions.
		"ops.absence_approval": {
			Fields: []string{"worker_id", "from", "to", "timezone"},
			Versions: map[rules.Language]variant{
				sv: v("Frånvaro att godkänna: {{.worker_id}}", `{{.worker_id}} har anmält frånvaro {{date .from}} – {{date .to}}. Godkänn i systemet. Fråga inte efter diagnos eller intyg.`),
				da: v("Fravær til godkendelse: {{.worker_id}}", `{{.worker_id}} har meldt fravær {{date .from}} – {{date .to}}. Godkend i systemet. Spørg ikke efter diagnose eller dokumentation.`),
				de: v("Abwesenheit freigeben: {{.worker_id}}", `{{.worker_id}} hat eine Abwesenheit {{date .from}} – {{date .to}} gemeldet. Bitte im System freigeben. Keine Diagnose und keine Nachweise verlangen.`),
				en: v("Absence to approve: {{.worker_id}}", `{{.worker_id}} reported an absence {{date .from}} – {{date .to}}. Approve it in the system. Do not ask for a diagnosis or documents.`),
			},
		},
		// A-4, V-6, T-6: the customer waits; a new time is agreed.
		"ops.absence_reschedule": {
			Fields: []string{"job_id", "worker_id", "to", "timezone"},
			Versions: map[rules.Language]variant{
				sv: v("Ny tid behövs: {{.job_id}}", `Kunden i uppdrag {{.job_id}} väntar på {{.worker_id}}, som är tillbaka {{when .to}}. Kom överens med kunden om en ny tid.`),
				da: v("Ny tid nødvendig: {{.job_id}}", `Kunden i opgave {{.job_id}} venter på {{.worker_id}}, som er tilbage {{when .to}}. Aftal en ny tid med kunden.`),
				de: v("Neuer Termin nötig: {{.job_id}}", `Der Kunde in Auftrag {{.job_id}} wartet auf {{.worker_id}}, zurück am {{when .to}}. Bitte mit dem Kunden einen neuen Termin vereinbaren.`),
				en: v("New time needed: {{.job_id}}", `The customer of job {{.job_id}} waits for {{.worker_id}}, back {{when .to}}. Agree a new time with the customer.`),
			},
		},
	} {
		catalogue[id] = e
	}
}
