package api_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"sluice/backend/service"
	"sluice/backend/store"
	"sluice/backend/store/storetest"
)

// Retiring over HTTP: the picker drops the flow, a new order is 409 flow-retired at
// /flow, an import into it is refused too; restoring brings it back. The contract
// checks every answer.
func TestRetireFlowOverHTTP(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		e := start(t, s)
		clerk, admin := e.login("clerk"), e.login("admin")
		picker := func() string { return string(e.do("GET", "/api/v1/flows", clerk, nil).body) }
		require.Contains(t, picker(), `"order-review"`)

		require.Equal(t, 403, e.do("POST", "/api/v1/definitions/flows/order-review/retire", clerk, nil).status)
		require.Equal(t, 404, e.do("POST", "/api/v1/definitions/forms/order/retire", admin, nil).status)
		r := e.do("POST", "/api/v1/definitions/flows/order-review/retire", admin, nil)
		require.Equal(t, 200, r.status, string(r.body))
		require.Contains(t, string(r.body), `"retired":true`)
		require.NotContains(t, picker(), `"order-review"`)
		require.Contains(t, string(e.do("GET", "/api/v1/definitions/flows", admin, nil).body), `"retired":true`)

		r = e.do("POST", "/api/v1/orders", clerk, sampleBody(t, "small-standard.json"))
		require.Equal(t, 409, r.status, string(r.body))
		p := r.problem(t)
		require.Equal(t, service.TypeFlowRetired, p.Type)
		require.Equal(t, "/flow", p.Errors[0].Pointer)
		r = e.upload(clerk, "orders.csv", testdata(t, "orders.csv"), map[string]string{"flow": "order-review"})
		require.Equal(t, 409, r.status, string(r.body))

		r = e.do("POST", "/api/v1/definitions/flows/order-review/restore", admin, nil)
		require.Equal(t, 200, r.status, string(r.body))
		require.False(t, strings.Contains(string(r.body), `"retired"`))
		require.Contains(t, picker(), `"order-review"`)
		e.submit(clerk, "small-standard.json")
	})
}
