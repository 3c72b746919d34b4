// Package outboxtest gives tests a real SMTP server in the process, so email delivery
// is tested over the wire rather than against a stand-in.
package outboxtest

import (
	"bytes"
	"crypto/tls"
	"errors"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Mail is one message the server accepted, decoded.
type Mail struct {
	From      string
	To        []string
	Subject   string // MIME words decoded
	MessageID string
	Body      string // transfer encoding undone
	Header    mail.Header
	TLS       bool // it came over an encrypted connection
}

// SMTP is an in-process SMTP server (no TLS, no authentication).
type SMTP struct {
	Host string
	Port int

	// User and Password, when set, make the server require AUTH PLAIN with them.
	User, Password string

	mu   sync.Mutex
	got  []Mail
	fail int // refuse this many DATA commands with a 4xx first
	// Arrived gets one value per accepted message.
	Arrived chan struct{}
}

// NewSMTP starts a plain-text server on 127.0.0.1, stopped when the test ends.
func NewSMTP(t testing.TB) *SMTP {
	t.Helper()
	return newSMTP(t, "", nil)
}

// NewSMTPWithTLS starts a server that offers STARTTLS (mode "starttls") or speaks TLS
// from the first byte (mode "tls"), with a certificate for 127.0.0.1; client is the TLS
// configuration that trusts it.
func NewSMTPWithTLS(t testing.TB, mode string) (s *SMTP, client *tls.Config) {
	t.Helper()
	// httptest's certificate is valid for 127.0.0.1: borrow it rather than make one.
	hs := httptest.NewUnstartedServer(nil)
	hs.StartTLS()
	cert := hs.TLS.Certificates[0]
	client = hs.Client().Transport.(*http.Transport).TLSClientConfig.Clone()
	hs.Close()
	return newSMTP(t, mode, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}), client
}

func newSMTP(t testing.TB, mode string, cfg *tls.Config) *SMTP {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &SMTP{Arrived: make(chan struct{}, 100)}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &session{s: s, conn: c}, nil
	}))
	srv.Domain = "localhost"
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	srv.EnableSMTPUTF8 = true
	switch mode {
	case "starttls":
		srv.TLSConfig = cfg
	case "tls":
		ln = tls.NewListener(ln, cfg)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	host, port, _ := net.SplitHostPort(ln.Addr().String())
	s.Host = host
	s.Port, _ = strconv.Atoi(port)
	return s
}

// FailNext makes the next n messages get "451 try again later".
func (s *SMTP) FailNext(n int) {
	s.mu.Lock()
	s.fail = n
	s.mu.Unlock()
}

// Mails returns the messages accepted so far.
func (s *SMTP) Mails() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail(nil), s.got...)
}

type session struct {
	s      *SMTP
	conn   *smtp.Conn
	authed bool
	from   string
	to     []string
}

func (x *session) AuthMechanisms() []string {
	if x.s.User == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (x *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != x.s.User || pass != x.s.Password {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "bad credentials"}
		}
		x.authed = true
		return nil
	}), nil
}

func (x *session) Reset()        { x.from, x.to = "", nil }
func (x *session) Logout() error { return nil }
func (x *session) Mail(from string, _ *smtp.MailOptions) error {
	if x.s.User != "" && !x.authed {
		return &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "authentication required"}
	}
	x.from = from
	return nil
}
func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.to = append(x.to, to)
	return nil
}

func (x *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	x.s.mu.Lock()
	defer x.s.mu.Unlock()
	if x.s.fail > 0 {
		x.s.fail--
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	m, err := decode(raw)
	if err != nil {
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: err.Error()}
	}
	m.From, m.To = x.from, x.to
	// asked at DATA time: a STARTTLS upgrade happens after the session began
	_, m.TLS = x.conn.TLSConnectionState()
	x.s.got = append(x.s.got, m)
	select {
	case x.s.Arrived <- struct{}{}:
	default:
	}
	return nil
}

func decode(raw []byte) (Mail, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return Mail{}, err
	}
	dec := new(mime.WordDecoder)
	subj, err := dec.DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		return Mail{}, err
	}
	var body io.Reader = msg.Body
	switch strings.ToLower(msg.Header.Get("Content-Transfer-Encoding")) {
	case "quoted-printable":
		body = quotedprintable.NewReader(msg.Body)
	case "", "7bit", "8bit":
	default:
		return Mail{}, errors.New("unexpected transfer encoding " + msg.Header.Get("Content-Transfer-Encoding"))
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return Mail{}, err
	}
	return Mail{Subject: subj, MessageID: msg.Header.Get("Message-Id"), Body: string(b), Header: msg.Header}, nil
}
