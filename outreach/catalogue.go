package outreach

import "github.com/jobflow/jobflow/rules"

// The message catalogue. Every message exists in sv, da, de and en; bodies
// are plain text (SMS, speech and the text part of e-mail; the HTML part is
// derived from it with escaping). Times come in Data as RFC 3339 with
// Data["timezone"] (IANA) and are formatted with when/date/clock. URLs stand
// on their own line so the HTML part links them. Messages to ops and
// assistants name jobs and tasks by id only (V-14).

const (
	sv = rules.Swedish
	da = rules.Danish
	de = rules.German
	en = rules.English
)

func v(subject, body string) variant { return variant{Subject: subject, Body: body} }

var catalogue = map[string]entry{
	// V-3: the booking with the recording notice, and the caveat when a
	// hardware fault is suspected.
	"visit.booking_confirmation": {
		Fields:   []string{"name", "appointment", "timezone"},
		Optional: []string{"hardware_fault"},
		Versions: map[rules.Language]variant{
			sv: v("Ditt besök är bokat {{date .appointment}}", `Hej {{.name}}!

Ditt besök är bokat {{when .appointment}}.

Besöket spelas in för kvalitet och säkerhet.{{if flag "hardware_fault"}}

Vi misstänker ett hårdvarufel, så vi kan inte garantera att felet går att åtgärda på plats.{{end}}

Vi ringer dig en timme innan för att stämma av att du är hemma.`),
			da: v("Dit besøg er booket {{date .appointment}}", `Hej {{.name}}!

Dit besøg er booket {{when .appointment}}.

Besøget bliver optaget af hensyn til kvalitet og sikkerhed.{{if flag "hardware_fault"}}

Vi har mistanke om en hardwarefejl, så vi kan ikke garantere, at fejlen kan udbedres på stedet.{{end}}

Vi ringer til dig en time før for at sikre, at du er hjemme.`),
			de: v("Ihr Termin ist gebucht: {{date .appointment}}", `Hallo {{.name}},

Ihr Termin ist gebucht: {{when .appointment}}.

Der Besuch wird zur Qualitätssicherung und zu Ihrer Sicherheit aufgezeichnet.{{if flag "hardware_fault"}}

Wir vermuten einen Hardwaredefekt; eine Reparatur vor Ort können wir daher nicht garantieren.{{end}}

Wir rufen Sie eine Stunde vorher an, um sicherzugehen, dass Sie zu Hause sind.`),
			en: v("Your visit is booked for {{date .appointment}}", `Hello {{.name}},

Your visit is booked for {{when .appointment}}.

The visit is recorded for quality and safety.{{if flag "hardware_fault"}}

We suspect a hardware fault, so we cannot guarantee a fix on site.{{end}}

We will call you one hour before to check that you are at home.`),
		},
	},
	// V-7: spoken by the reminder call (TwiML <Say>), so no URLs or symbols.
	"visit.reminder_call": {
		Fields: []string{"name", "appointment", "timezone"},
		Versions: map[rules.Language]variant{
			sv: v("Påminnelse om ditt besök", `Hej {{.name}}. Det här är en påminnelse om ditt besök i dag {{clock .appointment}}. Vår tekniker är snart på väg. Välkommen!`),
			da: v("Påmindelse om dit besøg", `Hej {{.name}}. Dette er en påmindelse om dit besøg i dag {{clock .appointment}}. Vores tekniker er snart på vej. Vi ses!`),
			de: v("Erinnerung an Ihren Termin", `Hallo {{.name}}. Wir erinnern Sie an Ihren Termin heute {{clock .appointment}}. Unser Techniker ist bald unterwegs. Bis gleich!`),
			en: v("Reminder of your visit", `Hello {{.name}}. This is a reminder of your visit today {{clock .appointment}}. Our technician will be on the way soon. See you!`),
		},
	},
	// V-7: sent when the reminder call is not answered.
	"visit.reminder_sms": {
		Fields: []string{"name", "appointment", "timezone"},
		Versions: map[rules.Language]variant{
			sv: v("Påminnelse om ditt besök", `Hej {{.name}}! Vi sökte dig per telefon. Påminnelse: ditt besök är i dag {{clock .appointment}}. Se till att vara hemma.`),
			da: v("Påmindelse om dit besøg", `Hej {{.name}}! Vi prøvede at ringe til dig. Påmindelse: dit besøg er i dag {{clock .appointment}}. Sørg for at være hjemme.`),
			de: v("Erinnerung an Ihren Termin", `Hallo {{.name}}, wir haben versucht, Sie anzurufen. Erinnerung: Ihr Termin ist heute {{clock .appointment}}. Bitte seien Sie zu Hause.`),
			en: v("Reminder of your visit", `Hello {{.name}}, we tried to call you. Reminder: your visit is today {{clock .appointment}}. Please be at home.`),
		},
	},
	// V-6
	"visit.rescheduled": {
		Fields: []string{"name", "appointment", "timezone"},
		Versions: map[rules.Language]variant{
			sv: v("Ny tid för ditt besök", `Hej {{.name}}! Ditt besök har flyttats till {{when .appointment}}. Besöket spelas in för kvalitet och säkerhet.`),
			da: v("Ny tid til dit besøg", `Hej {{.name}}! Dit besøg er flyttet til {{when .appointment}}. Besøget bliver optaget af hensyn til kvalitet og sikkerhed.`),
			de: v("Neuer Termin für Ihren Besuch", `Hallo {{.name}}, Ihr Termin wurde verlegt auf {{when .appointment}}. Der Besuch wird zur Qualitätssicherung und zu Ihrer Sicherheit aufgezeichnet.`),
			en: v("New time for your visit", `Hello {{.name}}, your visit has been moved to {{when .appointment}}. The visit is recorded for quality and safety.`),
		},
	},
	"visit.cancelled": {
		Fields: []string{"name", "appointment", "timezone"},
		Versions: map[rules.Language]variant{
			sv: v("Ditt besök är avbokat", `Hej {{.name}}! Ditt besök {{when .appointment}} är avbokat. Hör av dig till vår kundtjänst om du vill boka en ny tid.`),
			da: v("Dit besøg er aflyst", `Hej {{.name}}! Dit besøg {{when .appointment}} er aflyst. Kontakt vores kundeservice, hvis du vil booke en ny tid.`),
			de: v("Ihr Termin wurde storniert", `Hallo {{.name}}, Ihr Termin am {{when .appointment}} wurde storniert. Wenden Sie sich an unseren Kundenservice, wenn Sie einen neuen Termin möchten.`),
			en: v("Your visit is cancelled", `Hello {{.name}}, your visit on {{when .appointment}} is cancelled. Contact our customer service if you would like to book a new time.`),
		},
	},
	// V-8: the start repeats the recording notice.
	"visit.start_notice": {
		Fields: []string{"name"},
		Versions: map[rules.Language]variant{
			sv: v("Ditt besök har börjat", `Hej {{.name}}! Vår tekniker har nu påbörjat besöket. Som vi nämnt spelas besöket in för kvalitet och säkerhet.`),
			da: v("Dit besøg er begyndt", `Hej {{.name}}! Vores tekniker er nu begyndt på besøget. Som nævnt bliver besøget optaget af hensyn til kvalitet og sikkerhed.`),
			de: v("Ihr Besuch hat begonnen", `Hallo {{.name}}, unser Techniker hat den Besuch begonnen. Wie besprochen wird der Besuch zur Qualitätssicherung und zu Ihrer Sicherheit aufgezeichnet.`),
			en: v("Your visit has started", `Hello {{.name}}, our technician has started the visit. As mentioned, the visit is recorded for quality and safety.`),
		},
	},
	// V-11, R-1
	"visit.rating_request": {
		Fields:   []string{"name", "rating_url"},
		Optional: []string{"complaint_url"}, // C-1: the complaint link, when the API minted one
		Versions: map[rules.Language]variant{
			sv: v("Hur var ditt besök?", `Hej {{.name}}!

Tack för att du anlitade oss. Hur nöjd är du med besöket? Betygsätt det med 1 till 5 stjärnor:
{{.rating_url}}

Har du frågor efter besöket är du välkommen att kontakta vår kundtjänst.{{if opt "complaint_url"}} Är du inte nöjd kan du lämna ett klagomål här:
{{opt "complaint_url"}}{{end}}`),
			da: v("Hvordan var dit besøg?", `Hej {{.name}}!

Tak fordi du brugte os. Hvor tilfreds er du med besøget? Giv det 1 til 5 stjerner:
{{.rating_url}}

Har du spørgsmål efter besøget, er du velkommen til at kontakte vores kundeservice.{{if opt "complaint_url"}} Er du ikke tilfreds, kan du klage her:
{{opt "complaint_url"}}{{end}}`),
			de: v("Wie war Ihr Termin?", `Hallo {{.name}},

vielen Dank für Ihr Vertrauen. Wie zufrieden sind Sie mit dem Besuch? Bewerten Sie ihn mit 1 bis 5 Sternen:
{{.rating_url}}

Bei Fragen nach dem Besuch hilft Ihnen unser Kundenservice gern.{{if opt "complaint_url"}} Wenn Sie nicht zufrieden sind, können Sie hier reklamieren:
{{opt "complaint_url"}}{{end}}`),
			en: v("How was your visit?", `Hello {{.name}},

Thank you for choosing us. How satisfied are you with the visit? Rate it from 1 to 5 stars:
{{.rating_url}}

If you have questions after the visit, our customer service is happy to help.{{if opt "complaint_url"}} If you are not satisfied, you can make a complaint here:
{{opt "complaint_url"}}{{end}}`),
		},
	},
	// three stars, ask kindly what could have been better.
	"visit.rating_followup": {
		Fields: []string{"name"},
		Versions: map[rules.Language]variant{
			sv: v("Tack för ditt betyg", `Hej {{.name}}! Tack för ditt betyg. Vi vill gärna bli bättre: vad hade kunnat vara bättre vid ditt besök? Svara gärna på det här meddelandet.`),
			da: v("Tak for din bedømmelse", `Hej {{.name}}! Tak for din bedømmelse. Vi vil gerne blive bedre: hvad kunne have været bedre ved dit besøg? Svar gerne på denne besked.`),
			de: v("Danke für Ihre Bewertung", `Hallo {{.name}}, vielen Dank für Ihre Bewertung. Wir möchten besser werden: Was hätten wir bei Ihrem Besuch besser machen können? Antworten Sie gern auf diese Nachricht.`),
			en: v("Thank you for your rating", `Hello {{.name}}, thank you for your rating. We would like to improve: what could have been better about your visit? Just reply to this message.`),
		},
	},
	// V-5
	"ops.sla_warning": {
		Fields: []string{"job_id", "deadline", "timezone"},
		Versions: map[rules.Language]variant{
			sv: v("SLA-varning: {{.job_id}}", `SLA-varning: uppdrag {{.job_id}} har inte startat. 48-timmarslöftet löper ut {{when .deadline}}.`),
			da: v("SLA-advarsel: {{.job_id}}", `SLA-advarsel: opgave {{.job_id}} er ikke startet. 48-timers-løftet udløber {{when .deadline}}.`),
			de: v("SLA-Warnung: {{.job_id}}", `SLA-Warnung: Auftrag {{.job_id}} hat nicht begonnen. Das 48-Stunden-Versprechen läuft ab am {{when .deadline}}.`),
			en: v("SLA warning: {{.job_id}}", `SLA warning: job {{.job_id}} has not started. The 48 h promise runs out on {{when .deadline}}.`),
		},
	},
	"ops.sla_breach": {
		Fields: []string{"job_id", "deadline", "timezone"},
		Versions: map[rules.Language]variant{
			sv: v("SLA-brott: {{.job_id}}", `SLA-brott: uppdrag {{.job_id}} startade inte före {{when .deadline}}. Ta över kontakten med kunden.`),
			da: v("SLA-brud: {{.job_id}}", `SLA-brud: opgave {{.job_id}} startede ikke før {{when .deadline}}. Overtag kontakten med kunden.`),
			de: v("SLA-Verletzung: {{.job_id}}", `SLA-Verletzung: Auftrag {{.job_id}} hat nicht vor {{when .deadline}} begonnen. Bitte übernehmen Sie den Kundenkontakt.`),
			en: v("SLA breach: {{.job_id}}", `SLA breach: job {{.job_id}} did not start before {{when .deadline}}. Take over the contact with the customer.`),
		},
	},
	// V-10
	"ops.abort": {
		Fields: []string{"job_id", "reason"},
		Versions: map[rules.Language]variant{
			sv: v("Avbrutet besök: {{.job_id}}", `Teknikern har avbrutit uppdrag {{.job_id}} och lämnat platsen. Orsak: {{.reason}}. Kontakta teknikern nu.`),
			da: v("Afbrudt besøg: {{.job_id}}", `Teknikeren har afbrudt opgave {{.job_id}} og forladt stedet. Årsag: {{.reason}}. Kontakt teknikeren nu.`),
			de: v("Abgebrochener Besuch: {{.job_id}}", `Der Techniker hat Auftrag {{.job_id}} abgebrochen und den Ort verlassen. Grund: {{.reason}}. Bitte kontaktieren Sie den Techniker sofort.`),
			en: v("Aborted visit: {{.job_id}}", `The technician aborted job {{.job_id}} and left. Reason: {{.reason}}. Contact the technician now.`),
		},
	},
	// V-9: call the buddy back within about a minute.
	"ops.panic": {
		Fields: []string{"job_id", "buddy_id"},
		Versions: map[rules.Language]variant{
			sv: v("PANIKLARM: {{.job_id}}", `PANIKLARM i uppdrag {{.job_id}}. Ring upp tekniker {{.buddy_id}} inom en minut.`),
			da: v("PANIKALARM: {{.job_id}}", `PANIKALARM i opgave {{.job_id}}. Ring tekniker {{.buddy_id}} op inden for et minut.`),
			de: v("PANIKALARM: {{.job_id}}", `PANIKALARM in Auftrag {{.job_id}}. Rufen Sie Techniker {{.buddy_id}} innerhalb einer Minute zurück.`),
			en: v("PANIC: {{.job_id}}", `PANIC button pressed in job {{.job_id}}. Call technician {{.buddy_id}} back within a minute.`),
		},
	},
	// V-4
	"ops.recording_refused": {
		Fields: []string{"job_id"},
		Versions: map[rules.Language]variant{
			sv: v("Inspelning nekad: {{.job_id}}", `Kunden i uppdrag {{.job_id}} har nekat inspelning. Uppdraget är avbokat; ta över kontakten med kunden.`),
			da: v("Optagelse afvist: {{.job_id}}", `Kunden i opgave {{.job_id}} har afvist optagelse. Opgaven er aflyst; overtag kontakten med kunden.`),
			de: v("Aufzeichnung abgelehnt: {{.job_id}}", `Der Kunde in Auftrag {{.job_id}} hat die Aufzeichnung abgelehnt. Der Auftrag ist storniert; bitte übernehmen Sie den Kundenkontakt.`),
			en: v("Recording refused: {{.job_id}}", `The customer of job {{.job_id}} refused recording. The job is cancelled; take over the contact with the customer.`),
		},
	},
	// A permanent delivery failure (see activities.DeliveryFailure).
	"ops.delivery_failed": {
		Fields: []string{"job_id", "step", "error_type"},
		Versions: map[rules.Language]variant{
			sv: v("Leverans misslyckades: {{.job_id}}", `Meddelandet {{.step}} i uppdrag {{.job_id}} kunde inte levereras ({{.error_type}}). Kontakta kunden på annat sätt.`),
			da: v("Levering mislykkedes: {{.job_id}}", `Beskeden {{.step}} i opgave {{.job_id}} kunne ikke leveres ({{.error_type}}). Kontakt kunden på anden vis.`),
			de: v("Zustellung fehlgeschlagen: {{.job_id}}", `Die Nachricht {{.step}} in Auftrag {{.job_id}} konnte nicht zugestellt werden ({{.error_type}}). Bitte kontaktieren Sie den Kunden auf anderem Weg.`),
			en: v("Delivery failed: {{.job_id}}", `Message {{.step}} of job {{.job_id}} could not be delivered ({{.error_type}}). Reach the customer another way.`),
		},
	},
	// C-2: a reclamation without a reply in time escalates.
	"ops.reclamation_escalation": {
		Fields: []string{"reclamation_id", "deadline", "timezone"},
		Versions: map[rules.Language]variant{
			sv: v("Reklamation obesvarad: {{.reclamation_id}}", `Reklamation {{.reclamation_id}} har inte besvarats. Svarstiden gick ut {{when .deadline}}.`),
			da: v("Reklamation ubesvaret: {{.reclamation_id}}", `Reklamation {{.reclamation_id}} er ikke besvaret. Svarfristen udløb {{when .deadline}}.`),
			de: v("Reklamation unbeantwortet: {{.reclamation_id}}", `Reklamation {{.reclamation_id}} wurde nicht beantwortet. Die Antwortfrist lief ab am {{when .deadline}}.`),
			en: v("Reclamation unanswered: {{.reclamation_id}}", `Reclamation {{.reclamation_id}} has not been answered. The reply was due {{when .deadline}}.`),
		},
	},
	// one or two stars go to the team lead at once.
	"ops.rating_low": {
		Fields: []string{"job_id", "stars"},
		Versions: map[rules.Language]variant{
			sv: v("Lågt betyg: {{.job_id}}", `Uppdrag {{.job_id}} fick {{.stars}} av 5 stjärnor. Utförarens genomgång ska komma inom reaktionstiden; annars beslutar du.`),
			da: v("Lav bedømmelse: {{.job_id}}", `Opgave {{.job_id}} fik {{.stars}} af 5 stjerner. Udførerens gennemgang skal komme inden for reaktionstiden; ellers beslutter du.`),
			de: v("Schlechte Bewertung: {{.job_id}}", `Auftrag {{.job_id}} wurde mit {{.stars}} von 5 Sternen bewertet. Die Stellungnahme muss innerhalb der Reaktionszeit kommen; sonst entscheiden Sie.`),
			en: v("Low rating: {{.job_id}}", `Job {{.job_id}} was rated {{.stars}} of 5 stars. The worker's review is due within the reaction time; otherwise you decide.`),
		},
	},
	// C-2: seen and being acted on, within two hours.
	"reclamation.ack": {
		Fields: []string{"name", "reclamation_id"},
		Versions: map[rules.Language]variant{
			sv: v("Vi har tagit emot din reklamation ({{.reclamation_id}})", `Hej {{.name}}! Vi har tagit emot din reklamation {{.reclamation_id}} och arbetar med den. Du hör av oss snart om hur vi går vidare.`),
			da: v("Vi har modtaget din reklamation ({{.reclamation_id}})", `Hej {{.name}}! Vi har modtaget din reklamation {{.reclamation_id}} og arbejder på den. Du hører snart fra os om, hvordan vi går videre.`),
			de: v("Wir haben Ihre Reklamation erhalten ({{.reclamation_id}})", `Hallo {{.name}}, wir haben Ihre Reklamation {{.reclamation_id}} erhalten und kümmern uns darum. Sie hören bald von uns, wie es weitergeht.`),
			en: v("We have received your complaint ({{.reclamation_id}})", `Hello {{.name}}, we have received your complaint {{.reclamation_id}} and are working on it. You will hear from us soon about the next steps.`),
		},
	},
	// C-3: within the plan, how and when it is fixed.
	"reclamation.plan": {
		Fields: []string{"name", "reclamation_id", "plan", "due", "timezone"},
		Versions: map[rules.Language]variant{
			sv: v("Så åtgärdar vi din reklamation ({{.reclamation_id}})", `Hej {{.name}}!

Så här åtgärdar vi din reklamation {{.reclamation_id}}:
{{.plan}}

Det ska vara klart senast {{when .due}}.`),
			da: v("Sådan løser vi din reklamation ({{.reclamation_id}})", `Hej {{.name}}!

Sådan løser vi din reklamation {{.reclamation_id}}:
{{.plan}}

Det vil være klar senest {{when .due}}.`),
			de: v("So beheben wir Ihre Reklamation ({{.reclamation_id}})", `Hallo {{.name}},

so beheben wir Ihre Reklamation {{.reclamation_id}}:
{{.plan}}

Erledigt bis spätestens {{when .due}}.`),
			en: v("How we will fix your complaint ({{.reclamation_id}})", `Hello {{.name}},

This is how we will fix your complaint {{.reclamation_id}}:
{{.plan}}

It will be done by {{when .due}}.`),
		},
	},
	"reclamation.approved": {
		Fields: []string{"name", "reclamation_id"},
		Versions: map[rules.Language]variant{
			sv: v("Din reklamation är åtgärdad ({{.reclamation_id}})", `Hej {{.name}}! Din reklamation {{.reclamation_id}} är nu åtgärdad och avslutad. Tack för ditt tålamod.`),
			da: v("Din reklamation er løst ({{.reclamation_id}})", `Hej {{.name}}! Din reklamation {{.reclamation_id}} er nu løst og afsluttet. Tak for din tålmodighed.`),
			de: v("Ihre Reklamation ist erledigt ({{.reclamation_id}})", `Hallo {{.name}}, Ihre Reklamation {{.reclamation_id}} ist behoben und abgeschlossen. Vielen Dank für Ihre Geduld.`),
			en: v("Your complaint is resolved ({{.reclamation_id}})", `Hello {{.name}}, your complaint {{.reclamation_id}} is resolved and closed. Thank you for your patience.`),
		},
	},
	// C-3: outside the plan, always with the reason.
	"reclamation.rejected": {
		Fields: []string{"name", "reclamation_id", "reason"},
		Versions: map[rules.Language]variant{
			sv: v("Besked om din reklamation ({{.reclamation_id}})", `Hej {{.name}}!

Vi kan tyvärr inte godkänna din reklamation {{.reclamation_id}}.
Skäl: {{.reason}}

Vill du att vi planerar extra arbete är du välkommen att kontakta oss.`),
			da: v("Svar på din reklamation ({{.reclamation_id}})", `Hej {{.name}}!

Vi kan desværre ikke godkende din reklamation {{.reclamation_id}}.
Begrundelse: {{.reason}}

Ønsker du, at vi planlægger ekstra arbejde, er du velkommen til at kontakte os.`),
			de: v("Antwort auf Ihre Reklamation ({{.reclamation_id}})", `Hallo {{.name}},

leider können wir Ihre Reklamation {{.reclamation_id}} nicht anerkennen.
Begründung: {{.reason}}

Wenn wir zusätzliche Arbeit für Sie planen sollen, melden Sie sich gern bei uns.`),
			en: v("About your complaint ({{.reclamation_id}})", `Hello {{.name}},

Unfortunately we cannot accept your complaint {{.reclamation_id}}.
Reason: {{.reason}}

If you would like us to plan extra work, please get in touch.`),
		},
	},
	// C-3: extra work outside the service plan, as agreed with the customer.
	"reclamation.extra_work": {
		Fields: []string{"name", "reclamation_id", "plan", "due", "timezone"},
		Versions: map[rules.Language]variant{
			sv: v("Extra arbete enligt överenskommelse ({{.reclamation_id}})", `Hej {{.name}}!

Din reklamation {{.reclamation_id}} ligger utanför serviceplanen. Som vi kommit överens om utför vi följande extra arbete:
{{.plan}}

Det ska vara klart senast {{when .due}}.`),
			da: v("Ekstra arbejde som aftalt ({{.reclamation_id}})", `Hej {{.name}}!

Din reklamation {{.reclamation_id}} ligger uden for serviceplanen. Som aftalt med dig udfører vi dette ekstra arbejde:
{{.plan}}

Det vil være klar senest {{when .due}}.`),
			de: v("Zusätzliche Arbeit wie vereinbart ({{.reclamation_id}})", `Hallo {{.name}},

Ihre Reklamation {{.reclamation_id}} geht über den Serviceplan hinaus. Wie mit Ihnen vereinbart, erledigen wir folgende zusätzliche Arbeit:
{{.plan}}

Erledigt bis spätestens {{when .due}}.`),
			en: v("Extra work as agreed ({{.reclamation_id}})", `Hello {{.name}},

Your complaint {{.reclamation_id}} is outside the service plan. As agreed with you, we will do this extra work:
{{.plan}}

It will be done by {{when .due}}.`),
		},
	},
	// C-3: the plan's promised date passed without the work resolved.
	"ops.reclamation_overdue": {
		Fields: []string{"reclamation_id", "deadline", "timezone", "assignee"},
		Versions: map[rules.Language]variant{
			sv: v("Reklamation försenad: {{.reclamation_id}}", `Åtgärden i reklamation {{.reclamation_id}} skulle vara klar {{when .deadline}} men är inte markerad som löst. Ansvarig: {{.assignee}}. Följ upp eller planera om.`),
			da: v("Reklamation forsinket: {{.reclamation_id}}", `Løsningen i reklamation {{.reclamation_id}} skulle være klar {{when .deadline}}, men er ikke markeret som løst. Ansvarlig: {{.assignee}}. Følg op eller planlæg igen.`),
			de: v("Reklamation überfällig: {{.reclamation_id}}", `Die Behebung von Reklamation {{.reclamation_id}} war bis {{when .deadline}} zugesagt, ist aber nicht als erledigt markiert. Zuständig: {{.assignee}}. Bitte nachfassen oder neu planen.`),
			en: v("Reclamation overdue: {{.reclamation_id}}", `The fix for reclamation {{.reclamation_id}} was promised by {{when .deadline}} but is not marked resolved. Assignee: {{.assignee}}. Follow up or re-plan.`),
		},
	},
	// C-3: an acknowledged reclamation not assessed (planned or rejected) in
	// time, or resolved work not approved in time, escalates (issue #13).
	"ops.reclamation_assess_overdue": {
		Fields: []string{"reclamation_id", "deadline", "timezone"},
		Versions: map[rules.Language]variant{
			sv: v("Reklamation ej bedömd: {{.reclamation_id}}", `Reklamation {{.reclamation_id}} är kvitterad men inte bedömd (planerad eller avvisad med skäl). Det skulle ha skett senast {{when .deadline}}.`),
			da: v("Reklamation ikke vurderet: {{.reclamation_id}}", `Reklamation {{.reclamation_id}} er kvitteret, men ikke vurderet (planlagt eller afvist med begrundelse). Det skulle være sket senest {{when .deadline}}.`),
			de: v("Reklamation nicht bewertet: {{.reclamation_id}}", `Reklamation {{.reclamation_id}} ist bestätigt, aber nicht bewertet (geplant oder mit Begründung abgelehnt). Das war bis {{when .deadline}} fällig.`),
			en: v("Reclamation not assessed: {{.reclamation_id}}", `Reclamation {{.reclamation_id}} was acknowledged but not assessed (planned, or rejected with a reason). That was due by {{when .deadline}}.`),
		},
	},
	"ops.reclamation_approval_overdue": {
		Fields: []string{"reclamation_id", "deadline", "timezone"},
		Versions: map[rules.Language]variant{
			sv: v("Reklamation väntar på godkännande: {{.reclamation_id}}", `Åtgärden i reklamation {{.reclamation_id}} är markerad som löst men inte godkänd. Godkännandet skulle ha kommit senast {{when .deadline}}. Godkänn eller planera om.`),
			da: v("Reklamation venter på godkendelse: {{.reclamation_id}}", `Løsningen i reklamation {{.reclamation_id}} er markeret som løst, men ikke godkendt. Godkendelsen skulle være kommet senest {{when .deadline}}. Godkend eller planlæg igen.`),
			de: v("Reklamation wartet auf Freigabe: {{.reclamation_id}}", `Die Behebung von Reklamation {{.reclamation_id}} ist als erledigt markiert, aber nicht freigegeben. Die Freigabe war bis {{when .deadline}} fällig. Bitte freigeben oder neu planen.`),
			en: v("Reclamation awaiting approval: {{.reclamation_id}}", `The fix for reclamation {{.reclamation_id}} is marked resolved but not approved. Approval was due by {{when .deadline}}. Approve or re-plan.`),
		},
	},
	// the worker's report is in, or its time ran out: decide now.
	"ops.rating_decide": {
		Fields:   []string{"job_id", "stars"},
		Optional: []string{"report_missing"},
		Versions: map[rules.Language]variant{
			sv: v("Beslut behövs: {{.job_id}}", `Uppdrag {{.job_id}} fick {{.stars}} av 5 stjärnor. {{if flag "report_missing"}}Ingen genomgång kom inom reaktionstiden, så du beslutar ensam.{{else}}Utförarens genomgång har kommit.{{end}} Besluta nu så att kunden får ett svar.`),
			da: v("Beslutning nødvendig: {{.job_id}}", `Opgave {{.job_id}} fik {{.stars}} af 5 stjerner. {{if flag "report_missing"}}Der kom ingen gennemgang inden for reaktionstiden, så du beslutter alene.{{else}}Udførerens gennemgang er kommet.{{end}} Beslut nu, så kunden får et svar.`),
			de: v("Entscheidung nötig: {{.job_id}}", `Auftrag {{.job_id}} wurde mit {{.stars}} von 5 Sternen bewertet. {{if flag "report_missing"}}Innerhalb der Reaktionszeit kam keine Stellungnahme, daher entscheiden Sie allein.{{else}}Die Stellungnahme liegt vor.{{end}} Bitte entscheiden Sie jetzt, damit der Kunde eine Antwort erhält.`),
			en: v("Decision needed: {{.job_id}}", `Job {{.job_id}} was rated {{.stars}} of 5 stars. {{if flag "report_missing"}}No review came within the reaction time, so you decide alone.{{else}}The worker's review is in.{{end}} Decide now so the customer gets an answer.`),
		},
	},
	// the team lead's answer to a low rating.
	"rating.answer": {
		Fields: []string{"name", "answer"},
		Versions: map[rules.Language]variant{
			sv: v("Svar på ditt betyg", `Hej {{.name}}!

Tack för ditt betyg. Vi har gått igenom det:
{{.answer}}`),
			da: v("Svar på din bedømmelse", `Hej {{.name}}!

Tak for din bedømmelse. Vi har gennemgået den:
{{.answer}}`),
			de: v("Antwort auf Ihre Bewertung", `Hallo {{.name}},

vielen Dank für Ihre Bewertung. Wir haben sie geprüft:
{{.answer}}`),
			en: v("About your rating", `Hello {{.name}},

Thank you for your rating. We have looked into it:
{{.answer}}`),
		},
	},
	// three stars for a task, ask kindly what could have been better.
	"task.rating_followup": {
		Fields: []string{"name"},
		Versions: map[rules.Language]variant{
			sv: v("Tack för ditt betyg", `Hej {{.name}}! Tack för ditt betyg av uppgiften. Vi vill gärna bli bättre: vad hade kunnat vara bättre? Svara gärna på det här meddelandet.`),
			da: v("Tak for din bedømmelse", `Hej {{.name}}! Tak for din bedømmelse af opgaven. Vi vil gerne blive bedre: hvad kunne have været bedre? Svar gerne på denne besked.`),
			de: v("Danke für Ihre Bewertung", `Hallo {{.name}}, vielen Dank für Ihre Bewertung der Aufgabe. Wir möchten besser werden: Was hätten wir besser machen können? Antworten Sie gern auf diese Nachricht.`),
			en: v("Thank you for your rating", `Hello {{.name}}, thank you for rating the task. We would like to improve: what could have been better? Just reply to this message.`),
		},
	},
	// T-1: automatic message with the review deadline.
	"task.ack": {
		Fields: []string{"name", "task_title", "review_deadline", "timezone"},
		Versions: map[rules.Language]variant{
			sv: v("Vi har tagit emot din uppgift: {{.task_title}}", `Hej {{.name}}! Vi har tagit emot uppgiften "{{.task_title}}". Vi granskar den senast {{when .review_deadline}}.`),
			da: v("Vi har modtaget din opgave: {{.task_title}}", `Hej {{.name}}! Vi har modtaget opgaven "{{.task_title}}". Vi gennemgår den senest {{when .review_deadline}}.`),
			de: v("Wir haben Ihre Aufgabe erhalten: {{.task_title}}", `Hallo {{.name}}, wir haben die Aufgabe "{{.task_title}}" erhalten. Wir prüfen sie bis spätestens {{when .review_deadline}}.`),
			en: v("We have received your task: {{.task_title}}", `Hello {{.name}}, we have received the task "{{.task_title}}". We will review it by {{when .review_deadline}}.`),
		},
	},
	// T-3: the factor and the budget it costs (180 min x 1.3 = 234 min = 3:54).
	"task.marketing_factor": {
		Fields: []string{"name", "task_title", "factor", "work_minutes", "budget_minutes"},
		Versions: map[rules.Language]variant{
			sv: v("Faktor för din marknadsföringsuppgift", `Hej {{.name}}! Uppgiften "{{.task_title}}" är en marknadsföringsuppgift med faktor {{.factor}}: {{hm .work_minutes}} h arbete drar {{hm .budget_minutes}} h ({{.budget_minutes}} min) från din budget.`),
			da: v("Faktor for din marketingopgave", `Hej {{.name}}! Opgaven "{{.task_title}}" er en marketingopgave med faktor {{.factor}}: {{hm .work_minutes}} t arbejde trækker {{hm .budget_minutes}} t ({{.budget_minutes}} min) fra dit budget.`),
			de: v("Faktor für Ihre Marketingaufgabe", `Hallo {{.name}}, die Aufgabe "{{.task_title}}" ist eine Marketingaufgabe mit Faktor {{.factor}}: {{hm .work_minutes}} Std. Arbeit kosten {{hm .budget_minutes}} Std. ({{.budget_minutes}} Min.) Ihres Budgets.`),
			en: v("Factor for your marketing task", `Hello {{.name}}, the task "{{.task_title}}" is a marketing task with factor {{.factor}}: {{hm .work_minutes}} h of work cost {{hm .budget_minutes}} h ({{.budget_minutes}} min) of your budget.`),
		},
	},
	// T-6: a deadline moves only with consent.
	"task.extension_request": {
		Fields: []string{"name", "task_title", "reason", "deadline", "proposed_deadline", "timezone", "consent_url"},
		Versions: map[rules.Language]variant{
			sv: v("Förfrågan: ny deadline för {{.task_title}}", `Hej {{.name}}!

Vi ber om att få flytta deadline för "{{.task_title}}" från {{when .deadline}} till {{when .proposed_deadline}}.
Skäl: {{.reason}}

Svara här; utan ditt godkännande gäller den gamla deadlinen:
{{.consent_url}}`),
			da: v("Forespørgsel: ny deadline for {{.task_title}}", `Hej {{.name}}!

Vi beder om at flytte deadline for "{{.task_title}}" fra {{when .deadline}} til {{when .proposed_deadline}}.
Begrundelse: {{.reason}}

Svar her; uden din accept gælder den gamle deadline:
{{.consent_url}}`),
			de: v("Anfrage: neue Frist für {{.task_title}}", `Hallo {{.name}},

wir bitten darum, die Frist für "{{.task_title}}" vom {{when .deadline}} auf {{when .proposed_deadline}} zu verschieben.
Grund: {{.reason}}

Bitte antworten Sie hier; ohne Ihre Zustimmung bleibt die alte Frist bestehen:
{{.consent_url}}`),
			en: v("Request: new deadline for {{.task_title}}", `Hello {{.name}},

We ask to move the deadline of "{{.task_title}}" from {{when .deadline}} to {{when .proposed_deadline}}.
Reason: {{.reason}}

Please answer here; without your agreement the old deadline stands:
{{.consent_url}}`),
		},
	},
	// T-7: ask early for more budget, with the assistant's reason; the
	// customer answers in the app or by replying.
	"task.budget_request": {
		Fields: []string{"name", "task_title", "reason", "budget_minutes", "used_minutes", "remaining_minutes"},
		Versions: map[rules.Language]variant{
			sv: v("Mer tid behövs för {{.task_title}}", `Hej {{.name}}!

Av budgeten för "{{.task_title}}" ({{hm .budget_minutes}} h) är {{hm .used_minutes}} h använda och {{hm .remaining_minutes}} h kvar, och det räcker inte.
Skäl: {{.reason}}

Svara i appen eller på det här meddelandet om du vill lägga till tid.`),
			da: v("Mere tid er nødvendig til {{.task_title}}", `Hej {{.name}}!

Af budgettet for "{{.task_title}}" ({{hm .budget_minutes}} t) er {{hm .used_minutes}} t brugt og {{hm .remaining_minutes}} t tilbage, og det rækker ikke.
Begrundelse: {{.reason}}

Svar i appen eller på denne besked, hvis du vil tilføje tid.`),
			de: v("Mehr Zeit nötig für {{.task_title}}", `Hallo {{.name}},

vom Budget für "{{.task_title}}" ({{hm .budget_minutes}} Std.) sind {{hm .used_minutes}} Std. verbraucht und {{hm .remaining_minutes}} Std. übrig; das reicht nicht aus.
Grund: {{.reason}}

Antworten Sie in der App oder auf diese Nachricht, wenn Sie Zeit hinzufügen möchten.`),
			en: v("More time needed for {{.task_title}}", `Hello {{.name}},

Of the budget for "{{.task_title}}" ({{hm .budget_minutes}} h), {{hm .used_minutes}} h are used and {{hm .remaining_minutes}} h remain, which will not suffice.
Reason: {{.reason}}

Answer in the app or reply to this message if you want to add time.`),
		},
	},
	// T-8
	"task.handover": {
		Fields:   []string{"name", "task_title"},
		Optional: []string{"result_url"},
		Versions: map[rules.Language]variant{
			sv: v("Resultat för {{.task_title}}", `Hej {{.name}}!

Resultatet för "{{.task_title}}" finns i appen.{{if opt "result_url"}}
{{opt "result_url"}}{{end}}

När du har tittat på det kan du betygsätta uppgiften med 1 till 5 stjärnor.`),
			da: v("Resultat for {{.task_title}}", `Hej {{.name}}!

Resultatet for "{{.task_title}}" ligger i appen.{{if opt "result_url"}}
{{opt "result_url"}}{{end}}

Når du har set det, kan du give opgaven 1 til 5 stjerner.`),
			de: v("Ergebnis für {{.task_title}}", `Hallo {{.name}},

das Ergebnis für "{{.task_title}}" finden Sie in der App.{{if opt "result_url"}}
{{opt "result_url"}}{{end}}

Danach können Sie die Aufgabe mit 1 bis 5 Sternen bewerten.`),
			en: v("Result for {{.task_title}}", `Hello {{.name}},

The result for "{{.task_title}}" is in the app.{{if opt "result_url"}}
{{opt "result_url"}}{{end}}

Once you have looked at it, you can rate the task from 1 to 5 stars.`),
		},
	},
	// T-6: the assistant hears how the customer answered an extension
	// request, or that it expired (the deadline then stands).
	"task.extension_answered": {
		Fields: []string{"task_title", "extension_id", "outcome", "deadline", "timezone"},
		Versions: map[rules.Language]variant{
			sv: v("Förlängning {{.extension_id}}: {{.outcome}}", `Förlängningsbegäran {{.extension_id}} för "{{.task_title}}": {{.outcome}}. Deadline är nu {{when .deadline}}.`),
			da: v("Forlængelse {{.extension_id}}: {{.outcome}}", `Anmodning om forlængelse {{.extension_id}} for "{{.task_title}}": {{.outcome}}. Deadline er nu {{when .deadline}}.`),
			de: v("Verlängerung {{.extension_id}}: {{.outcome}}", `Verlängerungsanfrage {{.extension_id}} für "{{.task_title}}": {{.outcome}}. Die Frist ist jetzt {{when .deadline}}.`),
			en: v("Extension {{.extension_id}}: {{.outcome}}", `Extension request {{.extension_id}} for "{{.task_title}}": {{.outcome}}. The deadline is now {{when .deadline}}.`),
		},
	},
	// N-2: a chat message still unread after two hours.
	"task.chat_unread": {
		// N-2: the message's text stays in the partner's app (issue #13);
		// message_url opens it there when the app gave its link.
		Fields:   []string{"name", "task_title"},
		Optional: []string{"message_url"},
		Versions: map[rules.Language]variant{
			sv: v("Nytt meddelande om {{.task_title}}", `Hej {{.name}}! Ett meddelande väntar på dig om uppgiften "{{.task_title}}".{{if opt "message_url"}} Läs det här:
{{opt "message_url"}}{{else}} Läs det i appen.{{end}}`),
			da: v("Ny besked om {{.task_title}}", `Hej {{.name}}! En besked venter på dig om opgaven "{{.task_title}}".{{if opt "message_url"}} Læs den her:
{{opt "message_url"}}{{else}} Læs den i appen.{{end}}`),
			de: v("Neue Nachricht zu {{.task_title}}", `Hallo {{.name}}, eine Nachricht zur Aufgabe "{{.task_title}}" wartet auf Sie.{{if opt "message_url"}} Hier lesen:
{{opt "message_url"}}{{else}} Lesen Sie sie in der App.{{end}}`),
			en: v("New message about {{.task_title}}", `Hello {{.name}}, a message about the task "{{.task_title}}" is waiting for you.{{if opt "message_url"}} Read it here:
{{opt "message_url"}}{{else}} Read it in the app.{{end}}`),
		},
	},
	// N-1: unread notifications at 08:00 on working days; items is one
	// line per notification, already in the customer's language.
	"task.digest": {
		Fields: []string{"name", "items", "app_url"},
		Versions: map[rules.Language]variant{
			sv: v("Nytt om dina uppgifter", `Hej {{.name}}! Det här har hänt sedan du senast var inne:

{{.items}}

Läs mer i appen:
{{.app_url}}`),
			da: v("Nyt om dine opgaver", `Hej {{.name}}! Dette er sket, siden du sidst var inde:

{{.items}}

Læs mere i appen:
{{.app_url}}`),
			de: v("Neuigkeiten zu Ihren Aufgaben", `Hallo {{.name}}, das ist seit Ihrem letzten Besuch passiert:

{{.items}}

Mehr in der App:
{{.app_url}}`),
			en: v("News about your tasks", `Hello {{.name}}, this happened since you last looked:

{{.items}}

Read more in the app:
{{.app_url}}`),
		},
	},
	// N-4: three weeks without activity.
	"account.nudge": {
		Fields: []string{"name", "app_url"},
		Versions: map[rules.Language]variant{
			sv: v("Vi finns här när du behöver oss", `Hej {{.name}}! Det var ett tag sedan vi hördes. Har du något vi kan hjälpa dig med?
{{.app_url}}`),
			da: v("Vi er her, når du har brug for os", `Hej {{.name}}! Det er et stykke tid siden, vi har hørt fra dig. Er der noget, vi kan hjælpe med?
{{.app_url}}`),
			de: v("Wir sind für Sie da", `Hallo {{.name}}, wir haben länger nichts von Ihnen gehört. Können wir Ihnen bei etwas helfen?
{{.app_url}}`),
			en: v("We are here when you need us", `Hello {{.name}}, it has been a while. Is there anything we can help you with?
{{.app_url}}`),
		},
	},
	// N-4: seven weeks, unused hours.
	"account.unused_hours": {
		Fields: []string{"name", "hours", "app_url"},
		Versions: map[rules.Language]variant{
			sv: v("Du har {{.hours}} timmar kvar", `Hej {{.name}}! Du har {{.hours}} outnyttjade timmar på ditt konto. Låt oss ta hand om nästa uppgift:
{{.app_url}}`),
			da: v("Du har {{.hours}} timer tilbage", `Hej {{.name}}! Du har {{.hours}} ubrugte timer på din konto. Lad os tage os af den næste opgave:
{{.app_url}}`),
			de: v("Sie haben noch {{.hours}} Stunden", `Hallo {{.name}}, auf Ihrem Konto sind {{.hours}} ungenutzte Stunden. Lassen Sie uns die nächste Aufgabe übernehmen:
{{.app_url}}`),
			en: v("You have {{.hours}} hours left", `Hello {{.name}}, you have {{.hours}} unused hours on your account. Let us take care of your next task:
{{.app_url}}`),
		},
	},
	// told early, offered a substitute for the period.
	"absence.customer_notice": {
		Fields: []string{"name", "worker_name", "from", "to", "timezone", "substitute_url", "wait_url"},
		Versions: map[rules.Language]variant{
			sv: v("{{.worker_name}} är frånvarande", `Hej {{.name}}!

{{.worker_name}} är frånvarande från {{date .from}} till {{date .to}}. Vi erbjuder dig en ersättare under perioden, med tid för överlämning.

Ja tack, ge mig en ersättare:
{{.substitute_url}}

Nej tack, jag väntar:
{{.wait_url}}`),
			da: v("{{.worker_name}} er fraværende", `Hej {{.name}}!

{{.worker_name}} er fraværende fra {{date .from}} til {{date .to}}. Vi tilbyder dig en afløser i perioden, med tid til overdragelse.

Ja tak, giv mig en afløser:
{{.substitute_url}}

Nej tak, jeg venter:
{{.wait_url}}`),
			de: v("{{.worker_name}} ist abwesend", `Hallo {{.name}},

{{.worker_name}} ist vom {{date .from}} bis {{date .to}} abwesend. Wir bieten Ihnen für diese Zeit eine Vertretung an, mit Zeit für die Übergabe.

Ja, bitte mit Vertretung:
{{.substitute_url}}

Nein danke, ich warte:
{{.wait_url}}`),
			en: v("{{.worker_name}} is away", `Hello {{.name}},

{{.worker_name}} is away from {{date .from}} to {{date .to}}. We offer you a substitute for that period, with time for a hand-over.

Yes please, give me a substitute:
{{.substitute_url}}

No thanks, I will wait:
{{.wait_url}}`),
		},
	},
	// the automatic answer names the period and whom to contact.
	"absence.auto_reply": {
		Fields: []string{"worker_name", "from", "to", "timezone", "contact"},
		Versions: map[rules.Language]variant{
			sv: v("Frånvaro: {{.worker_name}}", `{{.worker_name}} är frånvarande från {{date .from}} till {{date .to}}. Kontakta under tiden {{.contact}}.`),
			da: v("Fravær: {{.worker_name}}", `{{.worker_name}} er fraværende fra {{date .from}} til {{date .to}}. Kontakt i mellemtiden {{.contact}}.`),
			de: v("Abwesenheit: {{.worker_name}}", `{{.worker_name}} ist vom {{date .from}} bis {{date .to}} abwesend. Wenden Sie sich in dieser Zeit an {{.contact}}.`),
			en: v("Away: {{.worker_name}}", `{{.worker_name}} is away from {{date .from}} to {{date .to}}. In the meantime, please contact {{.contact}}.`),
		},
	},
	// T-1/T-2: review not done within the reaction time.
	"ops.task_review_overdue": {
		// T-1: escalation n counts the alerts after the first; closed says
		// the task was closed unreviewed (closed_reason review_not_done).
		Fields:   []string{"task_id", "deadline", "timezone"},
		Optional: []string{"escalation", "closed"},
		Versions: map[rules.Language]variant{
			sv: v("Granskning försenad: {{.task_id}}", `Uppgift {{.task_id}} är inte granskad. Reaktionstiden gick ut {{when .deadline}}.{{if opt "escalation"}} Påminnelse {{opt "escalation"}}.{{end}}{{if flag "closed"}} Uppgiften har stängts ogranskad (review_not_done).{{end}}`),
			da: v("Gennemgang forsinket: {{.task_id}}", `Opgave {{.task_id}} er ikke gennemgået. Reaktionstiden udløb {{when .deadline}}.{{if opt "escalation"}} Påmindelse {{opt "escalation"}}.{{end}}{{if flag "closed"}} Opgaven er lukket uden gennemgang (review_not_done).{{end}}`),
			de: v("Prüfung überfällig: {{.task_id}}", `Aufgabe {{.task_id}} ist nicht geprüft. Die Reaktionszeit lief ab am {{when .deadline}}.{{if opt "escalation"}} Erinnerung {{opt "escalation"}}.{{end}}{{if flag "closed"}} Die Aufgabe wurde ungeprüft geschlossen (review_not_done).{{end}}`),
			en: v("Review overdue: {{.task_id}}", `Task {{.task_id}} has not been reviewed. The reaction time ran out {{when .deadline}}.{{if opt "escalation"}} Reminder {{opt "escalation"}}.{{end}}{{if flag "closed"}} The task was closed unreviewed (review_not_done).{{end}}`),
		},
	},
	// T-5
	"ops.task_deadline_missed": {
		Fields: []string{"task_id", "deadline", "timezone"},
		Versions: map[rules.Language]variant{
			sv: v("Deadline missad: {{.task_id}}", `Uppgift {{.task_id}} levererades inte före deadline {{when .deadline}}. Kunden kan begära full återbetalning av tiden.`),
			da: v("Deadline overskredet: {{.task_id}}", `Opgave {{.task_id}} blev ikke leveret før deadline {{when .deadline}}. Kunden kan kræve fuld refusion af tiden.`),
			de: v("Frist verpasst: {{.task_id}}", `Aufgabe {{.task_id}} wurde nicht vor der Frist {{when .deadline}} übergeben. Der Kunde kann die volle Erstattung der Zeit verlangen.`),
			en: v("Deadline missed: {{.task_id}}", `Task {{.task_id}} was not handed over before the deadline {{when .deadline}}. The customer may claim a full refund of the time.`),
		},
	},
	// T-5: warn early, never on the last day.
	"assistant.deadline_warning": {
		Fields: []string{"task_id", "deadline", "timezone"},
		Versions: map[rules.Language]variant{
			sv: v("Deadline närmar sig: {{.task_id}}", `Uppgift {{.task_id}} har deadline {{when .deadline}}. Behöver du mer tid, be kunden om förlängning nu, inte sista dagen.`),
			da: v("Deadline nærmer sig: {{.task_id}}", `Opgave {{.task_id}} har deadline {{when .deadline}}. Har du brug for mere tid, så bed kunden om forlængelse nu, ikke på sidste dag.`),
			de: v("Frist naht: {{.task_id}}", `Aufgabe {{.task_id}} hat die Frist {{when .deadline}}. Wenn Sie mehr Zeit brauchen, bitten Sie den Kunden jetzt um Verlängerung, nicht erst am letzten Tag.`),
			en: v("Deadline approaching: {{.task_id}}", `Task {{.task_id}} is due {{when .deadline}}. If you need more time, ask the customer for an extension now, not on the last day.`),
		},
	},
	// acute absence close to a shift goes straight to the manager.
	"ops.absence_acute": {
		Fields: []string{"worker_id", "shift_start", "timezone"},
		Versions: map[rules.Language]variant{
			sv: v("Akut frånvaro: {{.worker_id}}", `Akut frånvaro: {{.worker_id}} kan inte arbeta. Passet börjar {{when .shift_start}}. Ordna ersättare.`),
			da: v("Akut fravær: {{.worker_id}}", `Akut fravær: {{.worker_id}} kan ikke arbejde. Vagten begynder {{when .shift_start}}. Find en afløser.`),
			de: v("Akute Abwesenheit: {{.worker_id}}", `Akute Abwesenheit: {{.worker_id}} kann nicht arbeiten. Die Schicht beginnt {{when .shift_start}}. Bitte Vertretung organisieren.`),
			en: v("Acute absence: {{.worker_id}}", `Acute absence: {{.worker_id}} cannot work. The shift starts {{when .shift_start}}. Arrange a substitute.`),
		},
	},
	// a job must never be left unmanned.
	"ops.substitute_missing": {
		Fields: []string{"job_id", "worker_id"},
		Versions: map[rules.Language]variant{
			sv: v("Ersättare saknas: {{.job_id}}", `Ingen ersättare har hittats för {{.worker_id}} i uppdrag {{.job_id}}. Uppdraget får inte stå obemannat.`),
			da: v("Afløser mangler: {{.job_id}}", `Der er ikke fundet nogen afløser for {{.worker_id}} i opgave {{.job_id}}. Opgaven må ikke stå ubemandet.`),
			de: v("Vertretung fehlt: {{.job_id}}", `Für {{.worker_id}} in Auftrag {{.job_id}} wurde keine Vertretung gefunden. Der Auftrag darf nicht unbesetzt bleiben.`),
			en: v("Substitute missing: {{.job_id}}", `No substitute has been found for {{.worker_id}} in job {{.job_id}}. The job must never be left unmanned.`),
		},
	},
}
