package rules

import "testing"

func TestT3_Factors(t *testing.T) {
	cases := []struct {
		area                WorkArea
		customer, assistant string
		release, tell       bool
	}{
		{AreaBackoffice, "1.0", "1.0", false, false},
		{AreaSecretariat, "1.0", "1.0", false, false},
		{AreaMarketing, "1.3", "1.2", false, true},
		{AreaFrontDesk, "1.8", "1.5", true, false},
		{AreaSales, "1.8", "1.5", true, false},
		{AreaDesign, "2.0", "1.8", true, false},
	}
	for _, c := range cases {
		t.Run(string(c.area), func(t *testing.T) {
			if got := c.area.CustomerFactor().String(); got != c.customer {
				t.Errorf("customer factor %s, want %s", got, c.customer)
			}
			if got := c.area.AssistantFactor().String(); got != c.assistant {
				t.Errorf("assistant factor %s, want %s", got, c.assistant)
			}
			if got := c.area.NeedsOpsRelease(); got != c.release {
				t.Errorf("NeedsOpsRelease %v, want %v", got, c.release)
			}
			if got := c.area.TellsCustomerFactor(); got != c.tell {
				t.Errorf("TellsCustomerFactor %v, want %v", got, c.tell)
			}
		})
	}
}

func TestT3_CustomerMinutes(t *testing.T) {
	cases := []struct {
		area      WorkArea
		work      int
		customer  int
		assistant int
		shown     string
	}{
		{AreaMarketing, 180, 234, 216, "3:54"}, // the seed's example (it writes 3:55; 234 min is 3:54)
		{AreaBackoffice, 90, 90, 90, "1:30"},
		{AreaDesign, 60, 120, 108, "2:00"},
		{AreaSales, 45, 81, 68, "1:21"},  // 67.5 rounds half up to 68
		{AreaMarketing, 7, 9, 8, "0:09"}, // 9.1 -> 9, 8.4 -> 8
		{AreaFrontDesk, 0, 0, 0, "0:00"},
	}
	for _, c := range cases {
		if got := CustomerMinutes(c.area, c.work); got != c.customer {
			t.Errorf("CustomerMinutes(%s, %d) = %d, want %d", c.area, c.work, got, c.customer)
		}
		if got := AssistantMinutes(c.area, c.work); got != c.assistant {
			t.Errorf("AssistantMinutes(%s, %d) = %d, want %d", c.area, c.work, got, c.assistant)
		}
		if got := FormatMinutes(CustomerMinutes(c.area, c.work)); got != c.shown {
			t.Errorf("FormatMinutes = %q, want %q", got, c.shown)
		}
	}
	if got := FormatMinutes(-75); got != "-1:15" {
		t.Errorf("FormatMinutes(-75) = %q", got)
	}
}

func TestT3_ParseWorkArea(t *testing.T) {
	for in, want := range map[string]WorkArea{
		"backoffice": AreaBackoffice, "Secretariat": AreaSecretariat, " marketing ": AreaMarketing,
		"frontdesk": AreaFrontDesk, "front desk": AreaFrontDesk, "Front-Desk": AreaFrontDesk,
		"sales": AreaSales, "DESIGN": AreaDesign,
	} {
		got, err := ParseWorkArea(in)
		if err != nil || got != want {
			t.Errorf("ParseWorkArea(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "projectmanagement", "mark eting x"} {
		if _, err := ParseWorkArea(bad); err == nil {
			t.Errorf("ParseWorkArea(%q) accepted", bad)
		}
	}
}
