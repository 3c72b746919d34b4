// Package config is Sluice's one configuration model. Every setting has a key
// ("log.level"), a default, an environment variable (SLUICE_LOG_LEVEL) and, for most, a
// command-line flag (--log-level). Values are read from, lowest precedence first: the
// defaults, an optional file (YAML or TOML, --config or SLUICE_CONFIG), the environment,
// and the flags. Unknown keys, unknown SLUICE_* variables and invalid values stop the
// start with a message naming the key and where it came from.
//
// Secrets (the admin password, and the keys and passwords later features add) are never
// taken from flags or from the file itself: they come from the environment (SLUICE_X) or
// from a file named by SLUICE_X_FILE or by the config file's x_file key, and they print
// and log masked.
package config

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"net/netip"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"sluice/backend/seal"
	"sluice/backend/store"
)

// EnvPrefix starts every environment variable of the configuration.
const EnvPrefix = "SLUICE_"

// EnvConfig names the configuration file when --config is not given.
const EnvConfig = "SLUICE_CONFIG"

// Config is the effective configuration.
type Config struct {
	Addr          string
	DB            string
	Demo          bool
	AdminPassword Secret
	LogLevel      slog.Level
	LogFormat     string // text | json
	PprofAddr     string
	// MetricsToken lets a scraper read /metrics as "Authorization: Bearer <token>".
	MetricsToken Secret
	HTTP         HTTP
	Live         Live
	Remind       Remind
	SMTP         SMTP
	Webhook      Webhook
	Outbox       Outbox
	// SecretsKey seals the secrets the server keeps in its database and must read back
	// (webhook channels' HMAC secrets); unset, they are stored as given.
	SecretsKey Secret
	// SecretsPreviousKey opens what the key before SecretsKey sealed; they are re-sealed
	// at start (key rotation).
	SecretsPreviousKey Secret
	Audit              Audit
	Notify             Notify
	// File is the configuration file read ("" if none).
	File string

	sources map[string]string // key -> where its value came from
}

// HTTP configures the server side of HTTP.
type HTTP struct {
	TrustedProxies  []string
	SecureCookies   bool
	ShutdownTimeout time.Duration
	// ReadHeaderTimeout bounds sending a request's head, BodyTimeout its body (the
	// spreadsheet import's UploadTimeout); IdleTimeout closes idle keep-alive connections.
	ReadHeaderTimeout time.Duration
	BodyTimeout       time.Duration
	UploadTimeout     time.Duration
	IdleTimeout       time.Duration
}

// Live configures the websocket hub (GET /api/v1/live).
type Live struct {
	Origins      []string      // browser origins allowed besides the server's own host
	Retention    time.Duration // events kept for resuming; 0 = forever
	PollInterval time.Duration // safety-net poll of the events table
}

// Remind configures the timer scheduler (reminders, escalations, automatic actions).
type Remind struct {
	Every time.Duration // pause between passes over due timers
	Lease time.Duration // how long an instance's claim on due timers keeps others off
}

// SMTP configures the mail server customer emails go through. With no Host, email
// messages wait in the outbox (pending, last error "smtp not configured").
type SMTP struct {
	Host     string
	Port     int
	Username string
	Password Secret
	From     string
	TLS      string // none | starttls | tls
}

// Webhook configures outgoing webhooks.
type Webhook struct {
	// SigningKey signs every request (X-Sluice-Signature); without it webhook messages
	// wait in the outbox.
	SigningKey Secret
	// AllowPrivate lets webhooks reach loopback, private and link-local addresses
	// (refused by default, when a URL is saved and after DNS resolution when sending).
	AllowPrivate bool
}

// Outbox configures the delivery worker.
type Outbox struct {
	PollInterval time.Duration
	MaxAttempts  int
}

// Notify configures people's notifications outside the web app (backend/notify).
type Notify struct {
	BaseURL string        // the web app's address message links start with
	LinkTTL time.Duration // how long an action link works
	LinkKey Secret        // signs action links; unset, derived from secrets.key
}

// Audit configures the audit checkpoints: signed heads of the audit chain written
// outside the database (see backend/checkpoint and docs/audit.md).
type Audit struct {
	Checkpoints        string        // file or directory; off when empty
	CheckpointKey      Secret        // HMAC-SHA256 key signing them
	CheckpointInterval time.Duration // pause between checkpoints
	CheckpointWebhook  string        // also posted here through the outbox, when set
	Instance           string        // names this server's checkpoints ("" = the host name)
}

// Secret is a value that never prints: String, logging and JSON show it masked.
type Secret struct{ v string }

// NewSecret wraps a value.
func NewSecret(v string) Secret { return Secret{v} }

// Value is the secret itself, for the one place that needs it.
func (s Secret) Value() string { return s.v }

// IsSet reports whether a value was given.
func (s Secret) IsSet() bool { return s.v != "" }

// String is the masked form.
func (s Secret) String() string {
	if s.v == "" {
		return ""
	}
	return "*****"
}

// LogValue keeps the secret out of slog output.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalText keeps the secret out of JSON and other encodings.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// GoString keeps the secret out of %#v.
func (s Secret) GoString() string { return `config.Secret("` + s.String() + `")` }

// Field is one setting.
type Field struct {
	Key     string
	Default string
	Help    string
	// Secret settings come from the environment or a file only, and print masked.
	Secret bool
	// Flag is false for settings with no command-line flag.
	Flag bool
	bool bool
	set  func(c *Config, v string) error
	get  func(c *Config) string
}

// Env is the environment variable of the field.
func (f Field) Env() string {
	return EnvPrefix + strings.ToUpper(strings.NewReplacer(".", "_", "-", "_").Replace(f.Key))
}

// FlagName is the command-line flag of the field (without dashes).
func (f Field) FlagName() string { return strings.NewReplacer(".", "-", "_", "-").Replace(f.Key) }

// Fields lists every setting, in the order `config print` shows them.
var Fields = []Field{
	{Key: "addr", Default: "127.0.0.1:8080", Help: "listen address (host:port)", Flag: true,
		set: func(c *Config, v string) error { c.Addr = v; return checkHostPort(v) },
		get: func(c *Config) string { return c.Addr }},
	{Key: "db", Default: "sqlite://./data/sluice.db", Help: "database URL: sqlite:///path/file.db or postgres://user@host:5432/db?sslmode=disable", Flag: true,
		set: func(c *Config, v string) error { c.DB = v; return checkDB(v) },
		get: func(c *Config) string { return store.Redact(c.DB) }},
	{Key: "demo", Default: "false", Help: "seed the demo definitions, users and products (idempotent)", Flag: true, bool: true,
		set: func(c *Config, v string) (err error) { c.Demo, err = parseBool(v); return },
		get: func(c *Config) string { return strconv.FormatBool(c.Demo) }},
	{Key: "admin_password", Help: "password of user admin, created on an empty database (random and logged once when unset)", Secret: true,
		set: func(c *Config, v string) error { c.AdminPassword = Secret{v}; return nil },
		get: func(c *Config) string { return c.AdminPassword.String() }},
	{Key: "log.level", Default: "info", Help: "debug, info, warn or error", Flag: true,
		set: func(c *Config, v string) error {
			switch strings.ToLower(v) {
			case "debug", "info", "warn", "error":
				return c.LogLevel.UnmarshalText([]byte(v))
			}
			return fmt.Errorf("%q is not a log level (want debug, info, warn or error)", v)
		},
		get: func(c *Config) string { return strings.ToLower(c.LogLevel.String()) }},
	{Key: "log.format", Default: "text", Help: "text (key=value lines) or json (one object per line)", Flag: true,
		set: func(c *Config, v string) error {
			if v != "text" && v != "json" {
				return fmt.Errorf("%q is not a log format (want text or json)", v)
			}
			c.LogFormat = v
			return nil
		},
		get: func(c *Config) string { return c.LogFormat }},
	{Key: "pprof_addr", Help: "serve Go profiles on this separate address (e.g. 127.0.0.1:6060); off when empty", Flag: true,
		set: func(c *Config, v string) error {
			c.PprofAddr = v
			if v == "" {
				return nil
			}
			return checkHostPort(v)
		},
		get: func(c *Config) string { return c.PprofAddr }},
	{Key: "metrics.token", Help: "bearer token a Prometheus scraper sends to GET /metrics (at least 16 characters); unset, only an admin's session may read the metrics", Secret: true,
		set: func(c *Config, v string) error {
			if v != "" && len(v) < 16 {
				return errors.New("the metrics token is shorter than 16 characters")
			}
			c.MetricsToken = Secret{v}
			return nil
		},
		get: func(c *Config) string { return c.MetricsToken.String() }},
	{Key: "http.trusted_proxies", Help: "comma-separated IPs or CIDRs of proxies whose X-Forwarded-For is believed (none when empty)", Flag: true,
		set: func(c *Config, v string) error {
			c.HTTP.TrustedProxies = nil
			for _, p := range splitList(v) {
				if _, err := netip.ParsePrefix(p); err != nil {
					if _, err := netip.ParseAddr(p); err != nil {
						return fmt.Errorf("%q is not an IP address or CIDR", p)
					}
				}
				c.HTTP.TrustedProxies = append(c.HTTP.TrustedProxies, p)
			}
			return nil
		},
		get: func(c *Config) string { return strings.Join(c.HTTP.TrustedProxies, ",") }},
	{Key: "http.secure_cookies", Default: "false", Help: "mark session cookies Secure (serve behind TLS)", Flag: true, bool: true,
		set: func(c *Config, v string) (err error) { c.HTTP.SecureCookies, err = parseBool(v); return },
		get: func(c *Config) string { return strconv.FormatBool(c.HTTP.SecureCookies) }},
	{Key: "http.shutdown_timeout", Default: "20s", Help: "how long a stopping server waits for requests in flight", Flag: true,
		set: func(c *Config, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return fmt.Errorf("%q is not a positive duration (e.g. 20s, 1m)", v)
			}
			c.HTTP.ShutdownTimeout = d
			return nil
		},
		get: func(c *Config) string { return c.HTTP.ShutdownTimeout.String() }},
	{Key: "http.read_header_timeout", Default: "10s", Help: "how long a client may take to send a request's head (slow-header connections are cut)", Flag: true,
		set: func(c *Config, v string) (err error) {
			c.HTTP.ReadHeaderTimeout, err = positiveDuration(v, "10s")
			return err
		},
		get: func(c *Config) string { return c.HTTP.ReadHeaderTimeout.String() }},
	{Key: "http.body_timeout", Default: "30s", Help: "how long a client may take to send a request body (the live websocket has none; spreadsheet imports use http.upload_timeout)", Flag: true,
		set: func(c *Config, v string) (err error) {
			c.HTTP.BodyTimeout, err = positiveDuration(v, "30s")
			return err
		},
		get: func(c *Config) string { return c.HTTP.BodyTimeout.String() }},
	{Key: "http.upload_timeout", Default: "5m", Help: "how long a client may take to upload a spreadsheet import (up to 16 MiB)", Flag: true,
		set: func(c *Config, v string) (err error) {
			c.HTTP.UploadTimeout, err = positiveDuration(v, "5m")
			return err
		},
		get: func(c *Config) string { return c.HTTP.UploadTimeout.String() }},
	{Key: "http.idle_timeout", Default: "2m", Help: "how long an idle keep-alive connection stays open", Flag: true,
		set: func(c *Config, v string) (err error) { c.HTTP.IdleTimeout, err = positiveDuration(v, "2m"); return err },
		get: func(c *Config) string { return c.HTTP.IdleTimeout.String() }},
	{Key: "live.origins", Help: "comma-separated browser origins (scheme://host[:port]) allowed to open /api/v1/live besides the server's own host", Flag: true,
		set: func(c *Config, v string) error {
			c.Live.Origins = nil
			for _, o := range splitList(v) {
				u, err := url.Parse(o)
				if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
					return fmt.Errorf("%q is not an origin (want scheme://host[:port], e.g. https://sluice.example.com)", o)
				}
				c.Live.Origins = append(c.Live.Origins, u.Scheme+"://"+u.Host)
			}
			return nil
		},
		get: func(c *Config) string { return strings.Join(c.Live.Origins, ",") }},
	{Key: "remind.every", Default: "2s", Help: "pause between the timer scheduler's passes (a due reminder fires at most this late)", Flag: true,
		set: func(c *Config, v string) (err error) { c.Remind.Every, err = positiveDuration(v, "2s"); return err },
		get: func(c *Config) string { return c.Remind.Every.String() }},
	{Key: "remind.lease", Default: "1m", Help: "how long an instance's claim on due timers keeps other instances off; a timer claimed by an instance that died fires elsewhere after it", Flag: true,
		set: func(c *Config, v string) (err error) { c.Remind.Lease, err = positiveDuration(v, "1m"); return err },
		get: func(c *Config) string { return c.Remind.Lease.String() }},
	{Key: "live.retention", Default: "168h", Help: "how long live events are kept for clients resuming with ?after= (older ones get resync); 0 keeps them forever", Flag: true,
		set: func(c *Config, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d < 0 {
				return fmt.Errorf("%q is not a duration ≥ 0 (e.g. 168h; 0 keeps events forever)", v)
			}
			c.Live.Retention = d
			return nil
		},
		get: func(c *Config) string { return c.Live.Retention.String() }},
	{Key: "live.poll_interval", Default: "2s", Help: "safety-net poll of the events table (commits wake the hub at once: in-process, and across instances by PostgreSQL NOTIFY)", Flag: true,
		set: func(c *Config, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return fmt.Errorf("%q is not a positive duration (e.g. 2s)", v)
			}
			c.Live.PollInterval = d
			return nil
		},
		get: func(c *Config) string { return c.Live.PollInterval.String() }},
	{Key: "smtp.host", Help: "SMTP server for customer emails; when empty, email messages wait in the outbox (\"smtp not configured\")", Flag: true,
		set: func(c *Config, v string) error {
			v = strings.TrimSpace(v)
			if strings.ContainsAny(v, " /:") {
				return fmt.Errorf("%q is not a host name (give the port in smtp.port)", v)
			}
			c.SMTP.Host = v
			return nil
		},
		get: func(c *Config) string { return c.SMTP.Host }},
	{Key: "smtp.port", Default: "587", Help: "SMTP server port (587 submission with STARTTLS, 465 implicit TLS, 25 relay)", Flag: true,
		set: func(c *Config, v string) error {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil || n < 1 || n > 65535 {
				return fmt.Errorf("%q is not a port (1-65535)", v)
			}
			c.SMTP.Port = n
			return nil
		},
		get: func(c *Config) string { return strconv.Itoa(c.SMTP.Port) }},
	{Key: "smtp.username", Help: "SMTP user name (no authentication when empty)", Flag: true,
		set: func(c *Config, v string) error { c.SMTP.Username = v; return nil },
		get: func(c *Config) string { return c.SMTP.Username }},
	{Key: "smtp.password", Help: "SMTP password", Secret: true,
		set: func(c *Config, v string) error { c.SMTP.Password = Secret{v}; return nil },
		get: func(c *Config) string { return c.SMTP.Password.String() }},
	{Key: "smtp.from", Help: "sender address of customer emails, e.g. \"Sluice <orders@example.com>\"", Flag: true,
		set: func(c *Config, v string) error {
			c.SMTP.From = strings.TrimSpace(v)
			if c.SMTP.From == "" {
				return nil
			}
			if _, err := mail.ParseAddress(c.SMTP.From); err != nil {
				return fmt.Errorf("%q is not an email address", v)
			}
			return nil
		},
		get: func(c *Config) string { return c.SMTP.From }},
	{Key: "smtp.tls", Default: "starttls", Help: "SMTP transport security: none, starttls (required) or tls (implicit, port 465)", Flag: true,
		set: func(c *Config, v string) error {
			switch v {
			case "none", "starttls", "tls":
				c.SMTP.TLS = v
				return nil
			}
			return fmt.Errorf("%q is not a TLS mode (want none, starttls or tls)", v)
		},
		get: func(c *Config) string { return c.SMTP.TLS }},
	{Key: "webhook.signing_key", Help: "key of the HMAC-SHA256 signature on outgoing webhooks; when empty, webhook messages wait in the outbox", Secret: true,
		set: func(c *Config, v string) error {
			if v != "" && len(v) < 16 {
				return errors.New("the signing key is shorter than 16 characters")
			}
			c.Webhook.SigningKey = Secret{v}
			return nil
		},
		get: func(c *Config) string { return c.Webhook.SigningKey.String() }},
	{Key: "webhook.allow_private", Default: "false", Help: "let customers' webhooks reach loopback, private and link-local addresses (tests, a demo on localhost); off, they are refused when saved and when sent", Flag: true, bool: true,
		set: func(c *Config, v string) (err error) { c.Webhook.AllowPrivate, err = parseBool(v); return },
		get: func(c *Config) string { return strconv.FormatBool(c.Webhook.AllowPrivate) }},
	{Key: "secrets.key", Help: "32 random bytes in base64 (openssl rand -base64 32) sealing the webhook channels' secrets in the database (AES-256-GCM); unset, they are stored as given", Secret: true,
		set: setSealKey(func(c *Config) *Secret { return &c.SecretsKey }),
		get: func(c *Config) string { return c.SecretsKey.String() }},
	{Key: "secrets.previous_key", Help: "the secrets.key before the current one, while rotating: what it sealed still opens and is re-sealed with secrets.key at start", Secret: true,
		set: setSealKey(func(c *Config) *Secret { return &c.SecretsPreviousKey }),
		get: func(c *Config) string { return c.SecretsPreviousKey.String() }},
	{Key: "audit.checkpoints", Help: "file, or directory (one <instance>.jsonl per instance), where signed heads of the audit chain are appended, outside the database; off when empty", Flag: true,
		set: func(c *Config, v string) error { c.Audit.Checkpoints = strings.TrimSpace(v); return nil },
		get: func(c *Config) string { return c.Audit.Checkpoints }},
	{Key: "audit.checkpoint_key", Help: "key (at least 32 characters, e.g. openssl rand -base64 32) of the HMAC-SHA256 signature on audit checkpoints; needed to write them and to verify them", Secret: true,
		set: func(c *Config, v string) error {
			if v != "" && len(v) < 32 {
				return errors.New("the checkpoint key is shorter than 32 characters")
			}
			c.Audit.CheckpointKey = Secret{v}
			return nil
		},
		get: func(c *Config) string { return c.Audit.CheckpointKey.String() }},
	{Key: "audit.checkpoint_interval", Default: "1m", Help: "how often the head of the audit chain is checkpointed (also at a clean shutdown); entries written since the last checkpoint are not yet anchored", Flag: true,
		set: func(c *Config, v string) (err error) {
			c.Audit.CheckpointInterval, err = positiveDuration(v, "1m")
			return err
		},
		get: func(c *Config) string { return c.Audit.CheckpointInterval.String() }},
	{Key: "audit.checkpoint_webhook", Help: "http(s) URL each checkpoint is also posted to through the outbox (signed like every webhook); off when empty", Flag: true,
		set: func(c *Config, v string) error {
			v = strings.TrimSpace(v)
			if v != "" {
				u, err := url.Parse(v)
				if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
					return fmt.Errorf("%q is not an http(s) URL", v)
				}
			}
			c.Audit.CheckpointWebhook = v
			return nil
		},
		get: func(c *Config) string { return c.Audit.CheckpointWebhook }},
	{Key: "audit.instance", Help: "name of this server in its checkpoints and of its file in a checkpoint directory; the host name when empty (give each instance its own)", Flag: true,
		set: func(c *Config, v string) error { c.Audit.Instance = strings.TrimSpace(v); return nil },
		get: func(c *Config) string { return c.Audit.Instance }},
	{Key: "notify.base_url", Help: "the web app's address as people reach it (e.g. https://sluice.example.com): the links in email and chat messages start with it; unset, http://<addr>", Flag: true,
		set: func(c *Config, v string) error {
			v = strings.TrimRight(strings.TrimSpace(v), "/")
			if v != "" {
				u, err := url.Parse(v)
				if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
					return fmt.Errorf("%q is not an http(s) URL", v)
				}
			}
			c.Notify.BaseURL = v
			return nil
		},
		get: func(c *Config) string { return c.Notify.BaseURL }},
	{Key: "notify.link_ttl", Default: "72h", Help: "how long a message's approve/reject link works", Flag: true,
		set: func(c *Config, v string) (err error) {
			c.Notify.LinkTTL, err = positiveDuration(v, "72h")
			return err
		},
		get: func(c *Config) string { return c.Notify.LinkTTL.String() }},
	{Key: "notify.link_key", Help: "key (at least 32 characters) of the HMAC-SHA256 signature on messages' action links; unset, one is derived from secrets.key, and without either messages carry no approve/reject links", Secret: true,
		set: func(c *Config, v string) error {
			if v != "" && len(v) < 32 {
				return errors.New("the link key is shorter than 32 characters")
			}
			c.Notify.LinkKey = Secret{v}
			return nil
		},
		get: func(c *Config) string { return c.Notify.LinkKey.String() }},
	{Key: "outbox.poll_interval", Default: "2s", Help: "how often the outbox worker looks for messages due", Flag: true,
		set: func(c *Config, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return fmt.Errorf("%q is not a positive duration (e.g. 2s)", v)
			}
			c.Outbox.PollInterval = d
			return nil
		},
		get: func(c *Config) string { return c.Outbox.PollInterval.String() }},
	{Key: "outbox.max_attempts", Default: "8", Help: "delivery attempts of a new outbox message before it is dead (retry delays double from 30s up to 1h)", Flag: true,
		set: func(c *Config, v string) error {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil || n < 1 || n > 100 {
				return fmt.Errorf("%q is not a number of attempts (1-100)", v)
			}
			c.Outbox.MaxAttempts = n
			return nil
		},
		get: func(c *Config) string { return strconv.Itoa(c.Outbox.MaxAttempts) }},
}

// positiveDuration parses a duration that must be > 0; example goes into the message.
func positiveDuration(v, example string) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%q is not a positive duration (e.g. %s)", v, example)
	}
	return d, nil
}

// field finds a setting by key.
func field(key string) (Field, bool) {
	i := slices.IndexFunc(Fields, func(f Field) bool { return f.Key == key })
	if i < 0 {
		return Field{}, false
	}
	return Fields[i], true
}

// ignoredEnv are SLUICE_* variables that are not settings of the server: the test
// suites' database and the browser test's target.
func ignoredEnv(name string) bool {
	return strings.HasPrefix(name, "SLUICE_TEST_") || name == "SLUICE_URL" || name == EnvConfig
}

// Flags holds the flags a command registered.
type Flags struct {
	fs     *flag.FlagSet
	config *string
	keys   map[string]string // flag name -> key
}

type boolValue struct{ s *string }

func (b boolValue) String() string {
	if b.s == nil {
		return ""
	}
	return *b.s
}
func (b boolValue) Set(v string) error { *b.s = v; return nil }
func (b boolValue) IsBoolFlag() bool   { return true }

// Register adds --config and a flag for each of keys (all flag-able settings when none
// are given) to fs. Secrets have no flag.
func Register(fs *flag.FlagSet, keys ...string) *Flags {
	f := &Flags{fs: fs, keys: map[string]string{}}
	f.config = fs.String("config", "", "configuration file, YAML or TOML (env "+EnvConfig+")")
	for _, fd := range Fields {
		if !fd.Flag || (len(keys) > 0 && !slices.Contains(keys, fd.Key)) {
			continue
		}
		usage := fd.Help + " (env " + fd.Env() + ")"
		if fd.bool {
			s := new(string)
			fs.Var(boolValue{s}, fd.FlagName(), usage)
		} else {
			fs.String(fd.FlagName(), fd.Default, usage)
		}
		f.keys[fd.FlagName()] = fd.Key
	}
	return f
}

// Source tells where the value of key came from: "default", "file PATH", "env NAME",
// "flag --NAME".
func (c *Config) Source(key string) string {
	if s, ok := c.sources[key]; ok {
		return s
	}
	return "default"
}

// Load builds the configuration from the defaults, the file, environ (os.Environ's
// shape) and the flags set on the command line (f may be nil).
func Load(f *Flags, environ []string) (*Config, error) {
	c := &Config{sources: map[string]string{}}
	var errs []error
	for _, fd := range Fields {
		if err := fd.set(c, fd.Default); err != nil {
			errs = append(errs, fmt.Errorf("%s: bad default: %w", fd.Key, err))
		}
	}
	env := map[string]string{}
	for _, kv := range environ {
		k, v, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, EnvPrefix) {
			env[k] = v
		}
	}
	// The file: --config, else SLUICE_CONFIG.
	path := env[EnvConfig]
	if f != nil && *f.config != "" {
		path = *f.config
	}
	vals := map[string]value{} // key -> value and source, in precedence order
	if path != "" {
		c.File = path
		fileVals, err := readFile(path)
		if err != nil {
			return nil, err
		}
		for k, v := range fileVals {
			vals[k] = v
		}
	}
	// The environment.
	known := map[string]Field{}
	for _, fd := range Fields {
		known[fd.Env()] = fd
		if fd.Secret {
			known[fd.Env()+"_FILE"] = fd
		}
	}
	names := make([]string, 0, len(env))
	for k := range env {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, name := range names {
		fd, ok := known[name]
		if !ok {
			if ignoredEnv(name) {
				continue
			}
			errs = append(errs, fmt.Errorf("environment variable %s: unknown setting%s", name, suggest(name, envNames())))
			continue
		}
		v := env[name]
		if fd.Secret && strings.HasSuffix(name, "_FILE") && name != fd.Env() {
			if _, both := env[fd.Env()]; both {
				errs = append(errs, fmt.Errorf("%s: set %s or %s, not both", fd.Key, fd.Env(), name))
				continue
			}
			s, err := readSecret(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %s: %w", fd.Key, name, err))
				continue
			}
			vals[fd.Key] = value{s, "env " + name}
			continue
		}
		vals[fd.Key] = value{v, "env " + name}
	}
	// The flags that were given.
	if f != nil {
		f.fs.Visit(func(fl *flag.Flag) {
			if key, ok := f.keys[fl.Name]; ok {
				vals[key] = value{fl.Value.String(), "flag --" + fl.Name}
			}
		})
	}
	for _, fd := range Fields {
		v, ok := vals[fd.Key]
		if !ok {
			continue
		}
		c.sources[fd.Key] = v.source
		if err := fd.set(c, v.v); err != nil {
			errs = append(errs, fmt.Errorf("%s (from %s): %w", fd.Key, v.source, err))
		}
	}
	if len(errs) > 0 {
		return nil, &Error{errs}
	}
	return c, nil
}

// Error lists every problem found, each naming its key.
type Error struct{ Problems []error }

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("configuration: ")
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(p.Error())
	}
	return b.String()
}

// Unwrap gives errors.Is/As the problems.
func (e *Error) Unwrap() []error { return e.Problems }

type value struct{ v, source string }

func readSecret(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	s := strings.TrimRight(string(b), "\r\n")
	if s == "" {
		return "", errors.New("the file " + path + " is empty")
	}
	return s, nil
}

func envNames() []string {
	var out []string
	for _, f := range Fields {
		out = append(out, f.Env())
		if f.Secret {
			out = append(out, f.Env()+"_FILE")
		}
	}
	return out
}

func parseBool(v string) (bool, error) {
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("%q is not true or false", v)
	}
	return b, nil
}

func splitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func checkHostPort(v string) error {
	_, port, err := net.SplitHostPort(v)
	if err != nil {
		return fmt.Errorf("%q is not host:port", v)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("%q has no valid port", v)
	}
	return nil
}

func checkDB(v string) error {
	switch {
	case strings.HasPrefix(v, "sqlite://"):
		if strings.TrimPrefix(v, "sqlite://") == "" {
			return errors.New("the sqlite URL has no path (e.g. sqlite://./data/sluice.db)")
		}
		return nil
	case strings.HasPrefix(v, "postgres://"), strings.HasPrefix(v, "postgresql://"):
		if _, err := url.Parse(v); err != nil {
			return fmt.Errorf("not a URL: %v", errors.Unwrap(err))
		}
		return nil
	}
	return fmt.Errorf("%q is not sqlite:///path/file.db or postgres://…", store.Redact(v))
}

// suggest returns ` (did you mean X?)` for the closest of candidates, if close enough.
func suggest(name string, candidates []string) string {
	best, bestD := "", 4
	for _, c := range candidates {
		if d := distance(strings.ToLower(name), strings.ToLower(c)); d < bestD {
			best, bestD = c, d
		}
	}
	if best == "" {
		return ""
	}
	return " (did you mean " + best + "?)"
}

// distance is the Levenshtein distance.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// setSealKey sets a secrets key field (see secrets.key), refusing what seal cannot use.
func setSealKey(field func(*Config) *Secret) func(*Config, string) error {
	return func(c *Config, v string) error {
		if v != "" {
			if _, err := seal.ParseKey(v); err != nil {
				return err
			}
		}
		*field(c) = Secret{v}
		return nil
	}
}
