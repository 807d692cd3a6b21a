package rules

import (
	"fmt"
	"strings"
)

// WorkArea is the kind of work a task falls into (T-3). The area sets the
// factor the customer's time account is charged with and the factor the
// assistant is paid with.
type WorkArea string

const (
	AreaBackoffice  WorkArea = "backoffice"
	AreaSecretariat WorkArea = "secretariat"
	AreaMarketing   WorkArea = "marketing"
	AreaFrontDesk   WorkArea = "frontdesk"
	AreaSales       WorkArea = "sales"
	AreaDesign      WorkArea = "design"
)

// WorkAreas lists every work area in a stable order.
var WorkAreas = []WorkArea{AreaBackoffice, AreaSecretariat, AreaMarketing, AreaFrontDesk, AreaSales, AreaDesign}

// ParseWorkArea accepts a work area code, case-insensitively; "front desk",
// "front-desk" and "front_desk" mean frontdesk.
func ParseWorkArea(s string) (WorkArea, error) {
	n := strings.ToLower(strings.TrimSpace(s))
	n = strings.NewReplacer(" ", "", "-", "", "_", "").Replace(n)
	for _, a := range WorkAreas {
		if string(a) == n {
			return a, nil
		}
	}
	return "", fmt.Errorf("unknown work area %q: use backoffice, secretariat, marketing, frontdesk, sales or design", s)
}

// Factor is a multiplier in tenths (13 = 1.3), so budgets are computed in
// whole numbers without float rounding.
type Factor int

// String renders the factor as customers read it: "1.3".
func (f Factor) String() string { return fmt.Sprintf("%d.%d", int(f)/10, int(f)%10) }

// factors of T-3, in tenths: customer, assistant.
func (a WorkArea) factors() (customer, assistant Factor) {
	switch a {
	case AreaMarketing:
		return 13, 12
	case AreaFrontDesk, AreaSales:
		return 18, 15
	case AreaDesign:
		return 20, 18
	default: // backoffice, secretariat
		return 10, 10
	}
}

// CustomerFactor is what the customer's time account is charged per minute
// of work (T-3): backoffice and secretariat 1.0, marketing 1.3, front desk
// and sales 1.8, design 2.0.
func (a WorkArea) CustomerFactor() Factor { c, _ := a.factors(); return c }

// AssistantFactor is the assistant's pay factor (T-3): backoffice and
// secretariat 1.0, marketing 1.2, front desk and sales 1.5, design 1.8.
func (a WorkArea) AssistantFactor() Factor { _, s := a.factors(); return s }

// NeedsOpsRelease reports whether the area is specialist work that ops must
// release before the assistant may accept the task (T-3).
func (a WorkArea) NeedsOpsRelease() bool {
	return a == AreaFrontDesk || a == AreaSales || a == AreaDesign
}

// TellsCustomerFactor reports whether the customer is told the factor and
// the budget it costs when the task is accepted (T-3: marketing).
func (a WorkArea) TellsCustomerFactor() bool { return a == AreaMarketing }

// applyFactor multiplies minutes by a factor in tenths, rounding half a
// minute up (the seed's example is exact: 180 x 1.3 = 234).
func applyFactor(minutes int, f Factor) int { return (minutes*int(f) + 5) / 10 }

// CustomerMinutes is what workMinutes of real work cost the customer's time
// account in the area (T-3): 180 min of marketing = 234 min. The seed writes
// "234 Minuten bzw. 3:55 Stunden"; 234 min is 3 h 54 min, so we show 3:54.
func CustomerMinutes(area WorkArea, workMinutes int) int {
	return applyFactor(workMinutes, area.CustomerFactor())
}

// AssistantMinutes is the paid time for workMinutes of real work (T-3).
func AssistantMinutes(area WorkArea, workMinutes int) int {
	return applyFactor(workMinutes, area.AssistantFactor())
}

// FormatMinutes renders minutes as hours:minutes, "3:54" for 234.
func FormatMinutes(minutes int) string {
	sign := ""
	if minutes < 0 {
		sign, minutes = "-", -minutes
	}
	return fmt.Sprintf("%s%d:%02d", sign, minutes/60, minutes%60)
}
