package api

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"

	"github.com/jobflow/jobflow/rules"
)

// Config is the API's configuration, read from the environment. The
// Temporal connection is configured separately, by the SDK's envconfig
// (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS_*,
// TEMPORAL_PROFILE).
type Config struct {
	// Addr is where `starter serve` listens.
	Addr string `env:"API_ADDR" envDefault:"127.0.0.1:8080"`
	// PartnersFile is the partners' JSON configuration (ids, secret
	// references, policy overrides). Required to serve; optional for
	// `starter start` and `starter import` (then the default policy applies).
	PartnersFile string `env:"PARTNERS_FILE"`
	// TokensFile and Tokens hold the bearer tokens, as a JSON object
	// {"<token>" or "sha256:<hex>": {"role": "buddy"|"ops"|"assistant"|"teamlead", "id": "..."}}.
	// Assistant and team lead tokens serve the task and absence endpoints
	// only (README "Security: Roles").
	TokensFile string `env:"API_TOKENS_FILE"`
	Tokens     string `env:"API_TOKENS"`
	// LinkSecret signs customer links (at least 32 bytes). Required to
	// serve; without it start/import mint no rating link.
	LinkSecret string `env:"LINK_SECRET"`
	// PublicBaseURL is the API's address as customers reach it; rating
	// links start with it.
	PublicBaseURL string `env:"PUBLIC_BASE_URL" envDefault:"http://127.0.0.1:8080"`
	// AppURL is the customer app's address: the app_url link of the N-1
	// digest and hand-over e-mails and the N-4 account e-mails (issue #14).
	// Empty: PublicBaseURL.
	AppURL string `env:"APP_URL"`
	// TemporalUIURL is where people open a visit in the Temporal UI.
	TemporalUIURL string `env:"TEMPORAL_UI_URL" envDefault:"http://127.0.0.1:8233"`
	// RequestTimeout bounds every call to Temporal made for one request.
	RequestTimeout time.Duration `env:"API_REQUEST_TIMEOUT" envDefault:"15s"`
	// ConnectTimeout bounds the wait for Temporal at start-up (the same
	// variable the worker reads).
	ConnectTimeout time.Duration `env:"TEMPORAL_CONNECT_TIMEOUT" envDefault:"30s"`
	// ShutdownTimeout is how long in-flight requests get on SIGINT/SIGTERM.
	ShutdownTimeout time.Duration `env:"API_SHUTDOWN_TIMEOUT" envDefault:"20s"`
}

// LoadConfig reads Config from the environment with a clear error for a
// malformed value.
func LoadConfig() (Config, error) {
	var c Config
	if err := env.Parse(&c); err != nil {
		return c, fmt.Errorf("configuration: %w", err)
	}
	return c, nil
}

// ServeCheck refuses a configuration `starter serve` cannot run with.
func (c Config) ServeCheck() error {
	var errs []error
	if c.PartnersFile == "" {
		errs = append(errs, errors.New("PARTNERS_FILE is required: the partners' JSON configuration (see examples/partners.json)"))
	}
	if len(c.LinkSecret) < 32 {
		errs = append(errs, errors.New("LINK_SECRET is required and must be at least 32 characters (e.g. `openssl rand -hex 32`)"))
	}
	if c.TokensFile == "" && c.Tokens == "" {
		errs = append(errs, errors.New("API_TOKENS_FILE or API_TOKENS is required: the buddies' and ops' bearer tokens"))
	}
	if c.RequestTimeout <= 0 || c.ShutdownTimeout <= 0 {
		errs = append(errs, errors.New("API_REQUEST_TIMEOUT and API_SHUTDOWN_TIMEOUT must be positive"))
	}
	return errors.Join(errs...)
}

// PartnersFile is the JSON shape of PARTNERS_FILE:
//
//	{
//	  "markets":  {"SE": {"claim_lock": "1h"}},
//	  "partners": [{"id": "acme", "secret": "env:PARTNER_ACME_SECRET",
//	                "markets": ["SE"], "policy": {"help_promise": "24h"}}]
//	}
//
// Secrets are references, never values: "env:NAME" reads an environment
// variable, "file:/path" a file (trailing newline trimmed).
type PartnersFile struct {
	Markets  map[string]rules.Overrides `json:"markets,omitempty"`
	Partners []PartnerConfig            `json:"partners"`
}

// PartnerConfig is one partner in PARTNERS_FILE.
type PartnerConfig struct {
	ID      string          `json:"id"`
	Secret  string          `json:"secret"`
	Markets []string        `json:"markets,omitempty"` // markets it may book in; empty: all
	Policy  rules.Overrides `json:"policy,omitempty"`  // P-1 overrides, win over the market's
}

// Partner is a configured partner with its secret resolved.
type Partner struct {
	ID      string
	secret  []byte
	markets map[rules.Market]bool
	policy  rules.Overrides
}

// Partners is the loaded partner configuration.
type Partners struct {
	byID    map[string]*Partner
	markets map[rules.Market]rules.Overrides
}

// LoadPartners reads PARTNERS_FILE. With resolveSecrets it also resolves
// every secret reference (serve needs them; start and import do not).
// Every partner x market policy is resolved once so a bad override fails
// at start-up, not at the first booking.
func LoadPartners(path string, resolveSecrets bool) (*Partners, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("PARTNERS_FILE: %w", err)
	}
	var f PartnersFile
	if e := DecodeStrict(b, &f); e != nil {
		return nil, fmt.Errorf("PARTNERS_FILE %s: %s", path, e.Error())
	}
	return NewPartners(f, resolveSecrets)
}

// NewPartners builds Partners from an already decoded configuration.
func NewPartners(f PartnersFile, resolveSecrets bool) (*Partners, error) {
	p := &Partners{byID: map[string]*Partner{}, markets: map[rules.Market]rules.Overrides{}}
	for code, o := range f.Markets {
		m, err := rules.ParseMarket(code)
		if err != nil {
			return nil, fmt.Errorf("partners: markets: %w", err)
		}
		p.markets[m] = o
	}
	if len(f.Partners) == 0 {
		return nil, errors.New("partners: no partners configured")
	}
	for i, pc := range f.Partners {
		if !ValidPartnerID(pc.ID) {
			return nil, fmt.Errorf("partners[%d]: id %q: use 1-32 characters a-z, 0-9 and _ (no '-': it separates the parts of a visit id)", i, pc.ID)
		}
		if p.byID[pc.ID] != nil {
			return nil, fmt.Errorf("partners[%d]: id %q appears twice", i, pc.ID)
		}
		pt := &Partner{ID: pc.ID, policy: pc.Policy, markets: map[rules.Market]bool{}}
		for _, code := range pc.Markets {
			m, err := rules.ParseMarket(code)
			if err != nil {
				return nil, fmt.Errorf("partner %s: %w", pc.ID, err)
			}
			pt.markets[m] = true
		}
		if !strings.HasPrefix(pc.Secret, "env:") && !strings.HasPrefix(pc.Secret, "file:") {
			return nil, fmt.Errorf("partner %s: secret must be a reference, env:NAME or file:/path, never the secret itself", pc.ID)
		}
		if resolveSecrets {
			s, err := ResolveSecret(pc.Secret)
			if err != nil {
				return nil, fmt.Errorf("partner %s: %w", pc.ID, err)
			}
			if len(s) < 16 {
				return nil, fmt.Errorf("partner %s: secret %s is shorter than 16 bytes", pc.ID, pc.Secret)
			}
			pt.secret = s
		}
		for _, m := range rules.Markets {
			if _, err := p.resolve(pt, m); err != nil {
				return nil, fmt.Errorf("partner %s in %s: %w", pc.ID, m, err)
			}
		}
		p.byID[pc.ID] = pt
	}
	return p, nil
}

// ResolveSecret reads a secret reference: env:NAME or file:/path.
func ResolveSecret(ref string) ([]byte, error) {
	switch {
	case strings.HasPrefix(ref, "env:"):
		name := strings.TrimPrefix(ref, "env:")
		v, ok := os.LookupEnv(name)
		if !ok || v == "" {
			return nil, fmt.Errorf("secret %s: environment variable %s is not set", ref, name)
		}
		return []byte(v), nil
	case strings.HasPrefix(ref, "file:"):
		b, err := os.ReadFile(strings.TrimPrefix(ref, "file:"))
		if err != nil {
			return nil, fmt.Errorf("secret %s: %w", ref, err)
		}
		return []byte(strings.TrimRight(string(b), "\r\n")), nil
	}
	return nil, fmt.Errorf("secret reference %q: want env:NAME or file:/path", ref)
}

// Get returns a configured partner.
func (p *Partners) Get(id string) (*Partner, bool) {
	if p == nil {
		return nil, false
	}
	pt, ok := p.byID[id]
	return pt, ok
}

// IDs lists the configured partners, sorted.
func (p *Partners) IDs() []string {
	if p == nil {
		return nil
	}
	var ids []string
	for id := range p.byID {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// Policy resolves the policy a new visit of partner in market starts with
// (P-1): defaults, then the market's overrides, then the partner's. Without
// a partner configuration (nil Partners) it is the default policy.
func (p *Partners) Policy(partner string, market rules.Market) (rules.Policy, *ValidationError) {
	if p == nil {
		pol, _ := rules.Resolve(nil, nil)
		return pol, nil
	}
	pt, ok := p.byID[partner]
	if !ok {
		return rules.Policy{}, invalid("unknown_partner", "partner", fmt.Sprintf("partner %q is not configured", partner))
	}
	if len(pt.markets) > 0 && !pt.markets[market] {
		return rules.Policy{}, invalid("market_not_allowed", "market", fmt.Sprintf("partner %s does not book in market %s", partner, market))
	}
	pol, err := p.resolve(pt, market)
	if err != nil {
		return pol, invalid("policy_error", "", err.Error())
	}
	return pol, nil
}

// MarketPolicy is the policy of a customer's account in market (P-1):
// defaults and the market's overrides, no partner's (an account is the
// customer's, not one partner's). Without a partner configuration it is the
// default policy.
func (p *Partners) MarketPolicy(market rules.Market) (rules.Policy, error) {
	if p == nil {
		return rules.Resolve(nil, nil)
	}
	return rules.Resolve(p.markets[market], nil)
}

func (p *Partners) resolve(pt *Partner, m rules.Market) (rules.Policy, error) {
	return rules.Resolve(p.markets[m], pt.policy)
}

// tokenIDRe: buddy and ops ids end up in search attributes and queries.
var tokenIDRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// Principal is who a bearer token stands for.
type Principal struct {
	Role string `json:"role"` // buddy, ops, assistant, teamlead
	ID   string `json:"id"`
	// Partners are the partners an assistant serves: it creates tasks only
	// for their customers (issue #16, M3). Other roles ignore it.
	Partners []string `json:"partners,omitempty"`
}

// Serves reports whether the principal works for the partner.
func (p Principal) Serves(partner string) bool {
	for _, x := range p.Partners {
		if x == partner {
			return true
		}
	}
	return false
}

// Tokens maps bearer tokens, by their sha256, to principals; tokens are
// never kept or compared in the clear.
type Tokens struct {
	byHash map[[32]byte]Principal
}

// LoadTokens reads the token table from a file and/or an environment
// value (both JSON objects; the env value's entries win).
func LoadTokens(file, inline string) (*Tokens, error) {
	t := &Tokens{byHash: map[[32]byte]Principal{}}
	add := func(src string, b []byte) error {
		var m map[string]Principal
		if e := DecodeStrict(b, &m); e != nil {
			return fmt.Errorf("%s: %s", src, e.Error())
		}
		for k, p := range m {
			if p.Role != "buddy" && p.Role != "ops" && !taskOnlyRole(p.Role) {
				return fmt.Errorf("%s: role %q: want buddy, ops, assistant or teamlead", src, p.Role)
			}
			if !tokenIDRe.MatchString(p.ID) {
				return fmt.Errorf("%s: id %q: use letters, digits, '.', '_' and '-'", src, p.ID)
			}
			var h [32]byte
			if hx, ok := strings.CutPrefix(k, "sha256:"); ok {
				raw, err := hex.DecodeString(hx)
				if err != nil || len(raw) != 32 {
					return fmt.Errorf("%s: a sha256: key needs 64 hex digits", src)
				}
				copy(h[:], raw)
			} else {
				if len(k) < 12 {
					return fmt.Errorf("%s: a token for %s %s is shorter than 12 characters", src, p.Role, p.ID)
				}
				h = sha256.Sum256([]byte(k))
			}
			t.byHash[h] = p
		}
		return nil
	}
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("API_TOKENS_FILE: %w", err)
		}
		if err := add("API_TOKENS_FILE", b); err != nil {
			return nil, err
		}
	}
	if inline != "" {
		if err := add("API_TOKENS", []byte(inline)); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// Lookup returns the principal of a buddy or ops bearer token. Assistant
// and team lead tokens are not valid here: the visit, absence and
// reclamation endpoints know buddies and ops only, so those tokens answer
// 401 there rather than pass a check written for two roles.
func (t *Tokens) Lookup(token string) (Principal, bool) {
	p, ok := t.LookupAny(token)
	if !ok || taskOnlyRole(p.Role) {
		return Principal{}, false
	}
	return p, true
}

// LookupAny returns the principal of any bearer token, assistant and team
// lead included (the task endpoints, api/tasks.go).
func (t *Tokens) LookupAny(token string) (Principal, bool) {
	if t == nil || token == "" {
		return Principal{}, false
	}
	p, ok := t.byHash[sha256.Sum256([]byte(token))]
	return p, ok
}

// RoleOf returns the role of the token(s) of worker id; known is false when
// no token has that id. With tokens of several roles for one id, the first
// non-assistant role wins (the stricter answer for a team lead).
func (t *Tokens) RoleOf(id string) (role string, known bool) {
	if t == nil {
		return "", false
	}
	for _, p := range t.byHash {
		if p.ID != id {
			continue
		}
		if !known || role == "assistant" {
			role, known = p.Role, true
		}
	}
	return role, known
}

// taskOnlyRole: roles whose tokens serve only the task endpoints.
func taskOnlyRole(role string) bool { return role == "assistant" || role == "teamlead" }
