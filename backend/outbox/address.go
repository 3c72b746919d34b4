package outbox

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// Webhook URLs are typed in by people (a customer's webhook_url), so a webhook could be
// pointed at the server's own network: loopback, the private ranges, link-local
// addresses and the cloud metadata service (169.254.169.254) — server-side request
// forgery. Such URLs are refused when saved (CheckWebhookURL) and, since a public name
// may resolve to a private address (or change to one later), again when sending: the
// dialer refuses the connection after DNS resolution (GuardedClient). Both give way
// only to an explicit opt-in (webhook.allow_private: a test or a demo on localhost).

// ErrPrivateAddress marks a refused destination.
var ErrPrivateAddress = errors.New("a private, loopback, link-local or metadata address")

// notPublic are the ranges netip's predicates do not name that still do not reach the
// internet: "this network", carrier-grade NAT, IETF protocol assignments, benchmarking,
// documentation, reserved, NAT64 (which may embed any IPv4 address) and discard.
var notPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("64:ff9b::/96"),
	netip.MustParsePrefix("64:ff9b:1::/48"),
	netip.MustParsePrefix("100::/64"),
	netip.MustParsePrefix("2001:db8::/32"),
}

// PublicAddr reports whether ip is a public unicast address a webhook may reach.
func PublicAddr(ip netip.Addr) bool {
	ip = ip.Unmap() // ::ffff:127.0.0.1 is 127.0.0.1
	if !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() {
		return false
	}
	for _, p := range notPublic {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

// internalNames are host names that always mean this machine or its cloud's metadata.
var internalNames = []string{"localhost", "metadata", "metadata.google.internal"}

// URLError is why CheckWebhookURL refused a URL: Code is its stable name (the
// catalogue's field code "webhook_url.<…>", so a form says it in the reader's language)
// and Host the host it names, when that is the reason.
type URLError struct {
	Code string
	Host string
	err  error
}

func (e *URLError) Error() string { return e.err.Error() }
func (e *URLError) Unwrap() error { return e.err }

// CheckWebhookURL refuses a webhook URL that is not http(s) or names, by literal
// address or a well-known name, a destination that is not public (unless
// allowPrivate). Names that resolve to such addresses are refused when sending. The
// refusal is a *URLError.
func CheckWebhookURL(raw string, allowPrivate bool) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Hostname() == "" {
		return &URLError{Code: "webhook_url.not_http", err: errors.New("an http(s) URL")}
	}
	if allowPrivate {
		return nil
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	private := &URLError{Code: "webhook_url.private", Host: host, err: fmt.Errorf("%s is %w", host, ErrPrivateAddress)}
	if ip, err := netip.ParseAddr(host); err == nil {
		if !PublicAddr(ip) {
			return private
		}
		return nil
	}
	for _, n := range internalNames {
		if host == n || strings.HasSuffix(host, "."+n) {
			return private
		}
	}
	// a dotless number or hex (http://2130706433/) is an address to some resolvers
	if !strings.ContainsAny(host, ".:") && strings.Trim(host, "0123456789abcdefx") == "" {
		return &URLError{Code: "webhook_url.address_like", Host: host, err: fmt.Errorf("%s may be read as an address", host)}
	}
	return nil
}

// refusePrivate is a net.Dialer Control hook: it runs after DNS resolution, on the
// address actually dialled, so no name (nor a later change of its records) gets
// through to a refused range.
func refusePrivate(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("webhook: dial %s: %w", address, err)
	}
	if !PublicAddr(ap.Addr()) {
		return fmt.Errorf("webhook: %s is %w (set webhook.allow_private to allow it)", ap.Addr(), ErrPrivateAddress)
	}
	return nil
}

// GuardedClient is the HTTP client webhooks are sent with: a 30s timeout, no proxy
// from the environment (a proxy would dial for us, past the check), and, unless
// allowPrivate, a dialer that refuses destinations that are not public.
func GuardedClient(allowPrivate bool) *http.Client {
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	if !allowPrivate {
		d.Control = refusePrivate
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = nil
	t.DialContext = d.DialContext
	return &http.Client{Timeout: 30 * time.Second, Transport: t}
}
