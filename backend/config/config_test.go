package config

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func write(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func load(t *testing.T, args []string, env ...string) (*Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	f := Register(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return Load(f, env)
}

func TestDefaults(t *testing.T) {
	c, err := load(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:8080" || c.DB != "sqlite://./data/sluice.db" || c.Demo || c.LogLevel != slog.LevelInfo ||
		c.LogFormat != "text" || c.HTTP.ShutdownTimeout != 20*time.Second || c.AdminPassword.IsSet() {
		t.Fatalf("defaults: %+v", c)
	}
	for _, f := range Fields {
		if got := c.Source(f.Key); got != "default" {
			t.Errorf("%s: source %q", f.Key, got)
		}
	}
}

// Flags beat the environment, which beats the file, which beats the defaults; each
// value remembers where it came from.
func TestPrecedence(t *testing.T) {
	yml := write(t, "sluice.yaml", "addr: 127.0.0.1:7001\nlog:\n  level: debug\n  format: json\nhttp:\n  trusted_proxies: [10.0.0.1, 192.168.0.0/16]\n")
	tml := write(t, "sluice.toml", "addr = \"127.0.0.1:7001\"\n[log]\nlevel = \"debug\"\nformat = \"json\"\n[http]\ntrusted_proxies = [\"10.0.0.1\", \"192.168.0.0/16\"]\n")
	for _, file := range []string{yml, tml} {
		t.Run(filepath.Ext(file), func(t *testing.T) {
			cases := []struct {
				name     string
				args     []string
				env      []string
				addr     string
				addrFrom string
				level    slog.Level
			}{
				{"file only", []string{"--config", file}, nil, "127.0.0.1:7001", "file " + file, slog.LevelDebug},
				{"file from env", nil, []string{"SLUICE_CONFIG=" + file}, "127.0.0.1:7001", "file " + file, slog.LevelDebug},
				{"env over file", []string{"--config", file}, []string{"SLUICE_ADDR=127.0.0.1:7002"}, "127.0.0.1:7002", "env SLUICE_ADDR", slog.LevelDebug},
				{"flag over env", []string{"--config", file, "--addr", "127.0.0.1:7003"}, []string{"SLUICE_ADDR=127.0.0.1:7002"}, "127.0.0.1:7003", "flag --addr", slog.LevelDebug},
				{"env level over file", []string{"--config", file}, []string{"SLUICE_LOG_LEVEL=warn"}, "127.0.0.1:7001", "file " + file, slog.LevelWarn},
				{"flag level", []string{"--config", file, "--log-level", "error"}, []string{"SLUICE_LOG_LEVEL=warn"}, "127.0.0.1:7001", "file " + file, slog.LevelError},
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					c, err := load(t, tc.args, tc.env...)
					if err != nil {
						t.Fatal(err)
					}
					if c.Addr != tc.addr || c.Source("addr") != tc.addrFrom || c.LogLevel != tc.level || c.LogFormat != "json" {
						t.Fatalf("addr %s from %s, level %v, format %s", c.Addr, c.Source("addr"), c.LogLevel, c.LogFormat)
					}
					if strings.Join(c.HTTP.TrustedProxies, " ") != "10.0.0.1 192.168.0.0/16" {
						t.Fatalf("proxies %v", c.HTTP.TrustedProxies)
					}
				})
			}
		})
	}
}

// Bad input stops the load with a message that names the key (and the variable or file).
func TestErrorsNameTheKey(t *testing.T) {
	secret := write(t, "pw", "s3cret\n")
	cases := []struct {
		name string
		args []string
		env  []string
		file string // name:body
		want []string
	}{
		{"unknown env", nil, []string{"SLUICE_ADRR=x"}, "", []string{"SLUICE_ADRR", "did you mean SLUICE_ADDR"}},
		{"unknown file key", nil, nil, "c.yaml:adr: 1.2.3.4:80\n", []string{"adr: unknown key", "did you mean addr"}},
		{"unknown nested key", nil, nil, "c.toml:[log]\nlevl = \"debug\"\n", []string{"log.levl: unknown key", "did you mean log.level"}},
		{"bad level env", nil, []string{"SLUICE_LOG_LEVEL=loud"}, "", []string{"log.level (from env SLUICE_LOG_LEVEL)", `"loud" is not a log level`}},
		{"short secrets key", nil, []string{"SLUICE_SECRETS_KEY=c2hvcnQ="}, "", []string{"secrets.key (from env SLUICE_SECRETS_KEY)", "32 random bytes in base64"}},
		{"bad format flag", []string{"--log-format", "xml"}, nil, "", []string{"log.format (from flag --log-format)"}},
		{"bad addr", []string{"--addr", "8080"}, nil, "", []string{"addr (from flag --addr)", "host:port"}},
		{"bad db", nil, []string{"SLUICE_DB=mysql://x"}, "", []string{"db (from env SLUICE_DB)", "sqlite:///path"}},
		{"bad bool", nil, nil, "c.yaml:demo: maybe\n", []string{"demo (from file", `"maybe" is not true or false`}},
		{"bad duration", nil, []string{"SLUICE_HTTP_SHUTDOWN_TIMEOUT=-3s"}, "", []string{"http.shutdown_timeout", "positive duration"}},
		{"bad proxy", nil, nil, "c.toml:[http]\ntrusted_proxies = [\"proxy.local\"]\n", []string{"http.trusted_proxies", `"proxy.local" is not an IP`}},
		{"secret in file", nil, nil, "c.yaml:admin_password: hunter2\n", []string{"admin_password: secrets are not read from the configuration file", "SLUICE_ADMIN_PASSWORD"}},
		{"secret file missing", nil, []string{"SLUICE_ADMIN_PASSWORD_FILE=/nonexistent/pw"}, "", []string{"admin_password: SLUICE_ADMIN_PASSWORD_FILE", "no such file"}},
		{"secret twice", nil, []string{"SLUICE_ADMIN_PASSWORD=a", "SLUICE_ADMIN_PASSWORD_FILE=" + secret}, "", []string{"admin_password: set SLUICE_ADMIN_PASSWORD or SLUICE_ADMIN_PASSWORD_FILE, not both"}},
		{"bad yaml", nil, nil, "c.yaml:addr: [\n", []string{"configuration file", "c.yaml"}},
		{"bad toml", nil, nil, "c.toml:addr = \n", []string{"configuration file", "c.toml:1"}},
		{"unknown extension", nil, nil, "c.ini:addr=x\n", []string{`unknown format ".ini"`}},
		{"section as value", nil, nil, "c.yaml:addr:\n  - [1]\n", []string{"addr (from file", "list of lists"}},
		{"several at once", nil, []string{"SLUICE_LOG_LEVEL=loud", "SLUICE_NOPE=1"}, "", []string{"log.level", "SLUICE_NOPE"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := tc.args
			if tc.file != "" {
				name, body, _ := strings.Cut(tc.file, ":")
				args = append([]string{"--config", write(t, name, body)}, args...)
			}
			c, err := load(t, args, tc.env...)
			if err == nil {
				t.Fatalf("no error; config %+v", c)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestIgnoredEnv(t *testing.T) {
	if _, err := load(t, nil, "SLUICE_TEST_PG=postgres://x", "SLUICE_URL=http://x", "PATH=/bin", "OTHER_DB=1"); err != nil {
		t.Fatal(err)
	}
}

// Secrets come from the environment or a file, and never print, log or marshal.
func TestSecrets(t *testing.T) {
	pw := write(t, "pw", "from-a-file\n")
	cases := []struct {
		name string
		args []string
		env  []string
		want string
		from string
	}{
		{"env", nil, []string{"SLUICE_ADMIN_PASSWORD=from-env"}, "from-env", "env SLUICE_ADMIN_PASSWORD"},
		{"env file", nil, []string{"SLUICE_ADMIN_PASSWORD_FILE=" + pw}, "from-a-file", "env SLUICE_ADMIN_PASSWORD_FILE"},
		{"config file key", []string{"--config", write(t, "c.yaml", "admin_password_file: "+pw+"\n")}, nil, "from-a-file", "file "},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := load(t, tc.args, tc.env...)
			if err != nil {
				t.Fatal(err)
			}
			if c.AdminPassword.Value() != tc.want || !strings.HasPrefix(c.Source("admin_password"), tc.from) {
				t.Fatalf("got %q from %s", c.AdminPassword.Value(), c.Source("admin_password"))
			}
			var out bytes.Buffer
			slog.New(slog.NewJSONHandler(&out, nil)).Info("config", "pw", c.AdminPassword, "cfg", c)
			slog.New(slog.NewTextHandler(&out, nil)).Info("config", "pw", c.AdminPassword)
			j, _ := json.Marshal(c)
			out.Write(j)
			fmt.Fprintf(&out, "%v %+v %#v %s", c.AdminPassword, c, c, c.AdminPassword)
			if err := c.Print(&out); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(out.String(), tc.want) {
				t.Fatalf("the secret leaked:\n%s", out.String())
			}
			if !strings.Contains(out.String(), "*****") {
				t.Fatalf("no masked value shown:\n%s", out.String())
			}
		})
	}
}

// `config print` output is itself a configuration file that loads to the same values.
func TestPrintRoundTrip(t *testing.T) {
	c, err := load(t, []string{"--addr", "0.0.0.0:9000", "--demo", "--http-trusted-proxies", "10.1.0.0/16,10.2.0.1",
		"--db", "postgres://sluice:pw@db:5432/sluice?sslmode=disable"},
		"SLUICE_LOG_FORMAT=json", "SLUICE_HTTP_SHUTDOWN_TIMEOUT=45s", "SLUICE_ADMIN_PASSWORD=topsecret")
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := c.Print(&out); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	for _, w := range []string{`addr = "0.0.0.0:9000"`, "# flag --addr", "demo = true", `log.format = "json"`, "# env SLUICE_LOG_FORMAT",
		`http.trusted_proxies = ["10.1.0.0/16", "10.2.0.1"]`, "# admin_password = *****", "sluice:xxxxx@db"} {
		if !strings.Contains(text, w) {
			t.Errorf("print lacks %q:\n%s", w, text)
		}
	}
	if strings.Contains(text, "topsecret") || strings.Contains(text, ":pw@") {
		t.Fatalf("a secret leaked:\n%s", text)
	}
	back, err := load(t, []string{"--config", write(t, "printed.toml", text)})
	if err != nil {
		t.Fatalf("printed config does not load: %v\n%s", err, text)
	}
	if back.Addr != c.Addr || !back.Demo || back.LogFormat != "json" || back.HTTP.ShutdownTimeout != 45*time.Second ||
		strings.Join(back.HTTP.TrustedProxies, ",") != "10.1.0.0/16,10.2.0.1" {
		t.Fatalf("round trip: %+v", back)
	}
}

func TestRegisterSubset(t *testing.T) {
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	Register(fs, "db")
	if fs.Lookup("db") == nil || fs.Lookup("config") == nil || fs.Lookup("addr") != nil || fs.Lookup("admin-password") != nil {
		t.Fatal("Register(db) should add --db and --config only")
	}
	fs = flag.NewFlagSet("y", flag.ContinueOnError)
	Register(fs)
	for _, f := range Fields {
		if got := fs.Lookup(f.FlagName()) != nil; got != f.Flag {
			t.Errorf("%s: flag registered %v, want %v", f.Key, got, f.Flag)
		}
	}
}

// The outbox settings: SMTP and webhook secrets from the environment or a file only,
// masked in print; every value checked.
func TestOutboxSettings(t *testing.T) {
	pw := write(t, "smtp-pass", "s3cret-smtp\n")
	yml := write(t, "sluice.yaml", "smtp:\n  host: mail.example.com\n  port: 465\n  tls: tls\n  from: Sluice <orders@example.com>\n  password_file: "+pw+"\noutbox: {poll_interval: 5s, max_attempts: 3}\n")
	c, err := load(t, []string{"--config", yml, "--smtp-username", "orders"}, "SLUICE_WEBHOOK_SIGNING_KEY=0123456789abcdef-key")
	if err != nil {
		t.Fatal(err)
	}
	if c.SMTP.Host != "mail.example.com" || c.SMTP.Port != 465 || c.SMTP.TLS != "tls" || c.SMTP.Username != "orders" ||
		c.SMTP.Password.Value() != "s3cret-smtp" || c.Webhook.SigningKey.Value() != "0123456789abcdef-key" ||
		c.Outbox.PollInterval != 5*time.Second || c.Outbox.MaxAttempts != 3 {
		t.Fatalf("loaded: %+v", c)
	}
	var out bytes.Buffer
	if err := c.Print(&out); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "s3cret-smtp") || strings.Contains(out.String(), "0123456789abcdef-key") {
		t.Fatalf("a secret printed:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "# smtp.password = *****") || !strings.Contains(out.String(), "# webhook.signing_key = *****") {
		t.Fatalf("secrets not shown masked:\n%s", out.String())
	}
	d, err := load(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	if d.SMTP.Host != "" || d.SMTP.Port != 587 || d.SMTP.TLS != "starttls" || d.Outbox.MaxAttempts != 8 || d.Outbox.PollInterval != 2*time.Second {
		t.Fatalf("defaults: %+v", d)
	}
	for _, bad := range [][]string{
		{"SLUICE_SMTP_TLS=ssl"}, {"SLUICE_SMTP_PORT=0"}, {"SLUICE_SMTP_FROM=not an address"}, {"SLUICE_SMTP_HOST=mail.example.com:25"},
		{"SLUICE_OUTBOX_MAX_ATTEMPTS=0"}, {"SLUICE_OUTBOX_POLL_INTERVAL=-1s"}, {"SLUICE_WEBHOOK_SIGNING_KEY=short"},
	} {
		if _, err := load(t, nil, bad...); err == nil {
			t.Errorf("%v: accepted", bad)
		}
	}
	// a secret in the file itself is refused
	if _, err := load(t, []string{"--config", write(t, "bad.yaml", "smtp: {password: x}\n")}); err == nil || !strings.Contains(err.Error(), "smtp.password") {
		t.Fatalf("secret in file: %v", err)
	}
}

// The audit checkpoint settings: the key from the environment or a file only (masked
// in print, at least 32 characters), the interval positive, the webhook a URL.
func TestAuditSettings(t *testing.T) {
	keyFile := write(t, "cp-key", "0123456789abcdef0123456789abcdef\n")
	yml := write(t, "sluice.yaml", "audit:\n  checkpoints: /var/lib/sluice/checkpoints/\n  checkpoint_interval: 30s\n  checkpoint_key_file: "+keyFile+"\n  instance: sluice-a\n")
	c, err := load(t, []string{"--config", yml, "--audit-checkpoint-webhook", "https://audit.example.com/cp"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Audit.Checkpoints != "/var/lib/sluice/checkpoints/" || c.Audit.CheckpointInterval != 30*time.Second || c.Audit.Instance != "sluice-a" ||
		c.Audit.CheckpointKey.Value() != "0123456789abcdef0123456789abcdef" || c.Audit.CheckpointWebhook != "https://audit.example.com/cp" {
		t.Fatalf("loaded: %+v", c.Audit)
	}
	var out bytes.Buffer
	if err := c.Print(&out); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "0123456789abcdef0123456789abcdef") || !strings.Contains(out.String(), "# audit.checkpoint_key = *****") {
		t.Fatalf("the key printed, or not masked:\n%s", out.String())
	}
	d, err := load(t, nil)
	if err != nil || d.Audit.Checkpoints != "" || d.Audit.CheckpointInterval != time.Minute || d.Audit.CheckpointKey.IsSet() {
		t.Fatalf("defaults: %+v %v", d.Audit, err)
	}
	for _, bad := range []string{"SLUICE_AUDIT_CHECKPOINT_KEY=too-short", "SLUICE_AUDIT_CHECKPOINT_INTERVAL=0s", "SLUICE_AUDIT_CHECKPOINT_WEBHOOK=ftp://x"} {
		if _, err := load(t, nil, bad); err == nil {
			t.Errorf("%s: accepted", bad)
		}
	}
	if _, err := load(t, []string{"--config", write(t, "bad.yaml", "audit: {checkpoint_key: 0123456789abcdef0123456789abcdef}\n")}); err == nil || !strings.Contains(err.Error(), "audit.checkpoint_key") {
		t.Fatalf("key in the file itself: %v", err)
	}
}
