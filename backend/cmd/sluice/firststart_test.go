//go:build unix

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"sluice/backend/ent/auditentry"
	"sluice/backend/ent/department"
	"sluice/backend/ent/user"
	"sluice/backend/store"
	"sluice/backend/store/storetest"
	"sluice/schemas"
)

// composeService is the part of a docker/compose.yaml service the test runs.
type composeService struct {
	Command     []string          `yaml:"command"`
	Environment map[string]string `yaml:"environment"`
	Hostname    string            `yaml:"hostname"`
	Volumes     []string          `yaml:"volumes"`
}

// composeSluice reads the Sluice services of docker/compose.yaml (the ones built from
// the Sluice image) with their command and environment, the secret files mapped from
// /run/secrets/NAME to the files the compose file names and each named volume's mount
// point to a directory of the test's (shared by the services, as the volume is), the
// host name given as audit.instance (a container's host name names its checkpoint
// file), so the test starts the instances exactly as the compose file does and cannot
// drift from it.
func composeSluice(t *testing.T, root string) map[string]composeService {
	t.Helper()
	body, err := os.ReadFile(filepath.Join(root, "docker", "compose.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Services map[string]struct {
			composeService `yaml:",inline"`
			Image          string `yaml:"image"`
		} `yaml:"services"`
		Secrets map[string]struct {
			File string `yaml:"file"`
		} `yaml:"secrets"`
	}
	if err := yaml.Unmarshal(body, &doc); err != nil {
		t.Fatalf("docker/compose.yaml: %v", err)
	}
	out := map[string]composeService{}
	volumes := map[string]string{} // volume name -> the test's directory
	for name, svc := range doc.Services {
		if svc.Image != "sluice:local" {
			continue
		}
		mounts := map[string]string{} // mount point -> the test's directory
		for _, v := range svc.Volumes {
			vol, at, ok := strings.Cut(v, ":")
			if !ok {
				t.Fatalf("docker/compose.yaml: %s: volume %q has no mount point", name, v)
			}
			if volumes[vol] == "" {
				volumes[vol] = t.TempDir()
			}
			mounts[at] = volumes[vol]
		}
		env := map[string]string{}
		for k, v := range svc.Environment {
			if s, ok := strings.CutPrefix(v, "/run/secrets/"); ok {
				v = filepath.Join(root, "docker", doc.Secrets[s].File)
			}
			for at, dir := range mounts {
				if rest, ok := strings.CutPrefix(v, at); ok && (rest == "" || rest[0] == '/') {
					v = dir + rest
				}
			}
			env[k] = v
		}
		if svc.Hostname != "" {
			env["SLUICE_AUDIT_INSTANCE"] = svc.Hostname
		}
		out[name] = composeService{Command: svc.Command, Environment: env}
	}
	if len(out) < 2 {
		t.Fatalf("docker/compose.yaml: %d Sluice services, want several", len(out))
	}
	return out
}

// repoRoot is the directory of go.mod.
func repoRoot(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("go env GOMOD: %v", err)
	}
	return filepath.Dir(strings.TrimSpace(string(out)))
}

// buildBinary builds sluice into a temporary directory (or takes SLUICE_TEST_BIN).
func buildBinary(t *testing.T, root string) string {
	t.Helper()
	if bin := os.Getenv("SLUICE_TEST_BIN"); bin != "" {
		return bin
	}
	bin := filepath.Join(t.TempDir(), "sluice")
	cmd := exec.Command("go", "build", "-o", bin, "./backend/cmd/sluice")
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	return bin
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// instance is one `sluice serve` process.
type instance struct {
	name, url string
	cmd       *exec.Cmd
	log       lockedBuffer
	exited    chan struct{}
}

// startInstances starts one process per service at the same moment, each listening on
// a free port and using db; the rest of the command and environment is the service's.
func startInstances(t *testing.T, bin, db string, services map[string]composeService) []*instance {
	t.Helper()
	names := make([]string, 0, len(services))
	for n := range services {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []*instance
	for _, n := range names {
		svc := services[n]
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		env := os.Environ()
		for k, v := range svc.Environment {
			env = append(env, k+"="+v)
		}
		env = append(env, "SLUICE_ADDR="+addr, "SLUICE_DB="+db)
		in := &instance{name: n, url: "http://" + addr, exited: make(chan struct{})}
		in.cmd = exec.Command(bin, svc.Command...)
		in.cmd.Env = env
		in.cmd.Stdout, in.cmd.Stderr = &in.log, &in.log
		out = append(out, in)
	}
	// Start them together: one goroutine each, released at once.
	var wg sync.WaitGroup
	gate := make(chan struct{})
	for _, in := range out {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-gate
			if err := in.cmd.Start(); err != nil {
				t.Error(err)
				close(in.exited)
				return
			}
			go func() { _ = in.cmd.Wait(); close(in.exited) }()
		}()
	}
	close(gate)
	wg.Wait()
	t.Cleanup(func() {
		for _, in := range out {
			if in.cmd.Process != nil {
				_ = in.cmd.Process.Signal(syscall.SIGTERM)
			}
		}
		for _, in := range out {
			select {
			case <-in.exited:
			case <-time.After(15 * time.Second):
				_ = in.cmd.Process.Kill()
				<-in.exited
			}
			if t.Failed() {
				t.Logf("instance %s log:\n%s", in.name, in.log.String())
			}
		}
	})
	return out
}

// waitReady waits until /readyz answers 200; an instance that exits first fails.
func (in *instance) waitReady(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute) // generous: a loaded 2-core machine
	for time.Now().Before(deadline) {
		select {
		case <-in.exited:
			t.Fatalf("instance %s exited before it was ready (%v)", in.name, in.cmd.ProcessState)
		default:
		}
		if res, err := http.Get(in.url + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("instance %s not ready after 2 minutes", in.name)
}

// The compose file's instances started together on an empty database all become
// ready, none exits, and the admin and the demo exist exactly once: one instance
// migrates and seeds, the others wait for it. docker/compose.yaml's command and
// environment are read from the file (no Docker engine here); only the address, the
// database URL and the secret files' paths are the test's. SQLite: the same with the
// instances on one file.
func TestInstancesStartTogetherOnAnEmptyDatabase(t *testing.T) {
	root := repoRoot(t)
	services := composeSluice(t, root)
	bin := buildBinary(t, root)
	storetest.ForEachURL(t, func(t *testing.T, db string) {
		ins := startInstances(t, bin, db, services)
		for _, in := range ins {
			in.waitReady(t)
		}
		for _, in := range ins {
			select {
			case <-in.exited:
				t.Fatalf("instance %s exited (%v)", in.name, in.cmd.ProcessState)
			default:
			}
		}
		s := storetest.OpenURL(t, db)
		checkSeededOnce(t, s)
	})
}

// checkSeededOnce checks that the admin and every demo row exist exactly once.
func checkSeededOnce(t *testing.T, s *store.Store) {
	t.Helper()
	ctx := context.Background()
	c := s.Read
	count := func(what string, n int, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if n != 1 {
			t.Errorf("%s: %d copies, want 1", what, n)
		}
	}
	n, err := c.User.Query().Where(user.IsAdmin(true)).Count(ctx)
	count("admin users", n, err)
	demo, err := schemas.LoadDemo()
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range demo.Users {
		n, err := c.User.Query().Where(user.Username(u.Username)).Count(ctx)
		count("user "+u.Username, n, err)
	}
	defs, err := c.Definition.Query().All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	perKey := map[string]int{}
	for _, d := range defs {
		perKey[d.Kind+":"+d.Key]++
	}
	for _, k := range demoDefinitionKeys(t) {
		count("definition "+k, perKey[k], nil)
	}
	for _, d := range demo.Departments {
		n, err := c.Department.Query().Where(department.Key(d.Key)).Count(ctx)
		count("department "+d.Key, n, err)
	}
	moves, err := c.StockMove.Query().All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := stocked(demo.Products); len(moves) != want {
		t.Errorf("%d stock moves, want one opening stock per stocked product (%d)", len(moves), want)
	}
	n, err = c.AuditEntry.Query().Where(auditentry.Action("demo.seeded")).Count(ctx)
	count("demo.seeded audit entries", n, err)
	if _, reason, _, err := s.VerifyAudit(ctx); err != nil || reason != "" {
		t.Errorf("audit chain: %q %v", reason, err)
	}
}

func stocked(ps []schemas.DemoProduct) int {
	n := 0
	for _, p := range ps {
		if p.Stock > 0 {
			n++
		}
	}
	return n
}

// demoDefinitionKeys lists kind:key of every example definition.
func demoDefinitionKeys(t *testing.T) []string {
	t.Helper()
	var out []string
	ex := schemas.Examples()
	for _, kind := range schemas.Kinds {
		files, err := fs.Glob(ex, kind+"s/*.json")
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			body, err := fs.ReadFile(ex, f)
			if err != nil {
				t.Fatal(err)
			}
			var head struct{ Key string }
			if err := json.Unmarshal(body, &head); err != nil || head.Key == "" {
				t.Fatalf("%s: no key (%v)", f, err)
			}
			out = append(out, kind+":"+head.Key)
		}
	}
	return out
}
