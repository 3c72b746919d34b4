package plugins

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
)

// Carrier is a delivery company shipments can be sent with. Carriers register like
// plugins (sluice/plugins/shipping has the built-in ones), so a deployment adds its
// own carrier by importing one more package rather than editing the core.
type Carrier struct {
	Key  string            `json:"key"`
	Name map[string]string `json:"name"` // zh-TW, zh-CN, en
	// TrackingURL is an https URL template; {tracking} is replaced by the tracking number.
	TrackingURL string `json:"tracking_url"`
}

// TrackingPlaceholder is what a carrier's TrackingURL template replaces.
const TrackingPlaceholder = "{tracking}"

// Link is the carrier's tracking page for a tracking number (escaped, so a number can
// never break out of the URL the template intends).
func (c Carrier) Link(tracking string) string {
	return strings.ReplaceAll(c.TrackingURL, TrackingPlaceholder, url.QueryEscape(tracking))
}

func (c Carrier) check() error {
	u, err := url.Parse(strings.ReplaceAll(c.TrackingURL, TrackingPlaceholder, "X"))
	switch {
	case c.Key == "" || strings.ToLower(c.Key) != c.Key:
		return fmt.Errorf("plugins: carrier key %q must be lower case and not empty", c.Key)
	case err != nil || u.Scheme != "https" || u.Host == "":
		return fmt.Errorf("plugins: carrier %s: tracking URL %q must be an https URL", c.Key, c.TrackingURL)
	case !strings.Contains(c.TrackingURL, TrackingPlaceholder):
		return fmt.Errorf("plugins: carrier %s: tracking URL %q lacks %s", c.Key, c.TrackingURL, TrackingPlaceholder)
	case c.Name["en"] == "" || c.Name["zh-TW"] == "" || c.Name["zh-CN"] == "":
		return fmt.Errorf("plugins: carrier %s needs a name in zh-TW, zh-CN and en", c.Key)
	}
	return nil
}

var carriers = map[string]Carrier{}

// RegisterCarrier adds a carrier; a bad or duplicate one is a programming error.
func RegisterCarrier(c Carrier) {
	mu.Lock()
	defer mu.Unlock()
	if err := c.check(); err != nil {
		panic(err)
	}
	if _, dup := carriers[c.Key]; dup {
		panic(fmt.Sprintf("plugins: carrier %q registered twice", c.Key))
	}
	carriers[c.Key] = c
}

// GetCarrier returns the carrier registered under key.
func GetCarrier(key string) (Carrier, bool) {
	mu.RLock()
	defer mu.RUnlock()
	c, ok := carriers[key]
	return c, ok
}

// Carriers lists the registered carriers in key order.
func Carriers() []Carrier {
	mu.RLock()
	defer mu.RUnlock()
	out := make([]Carrier, 0, len(carriers))
	for _, c := range carriers {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}
