//go:build !race

package authz

// equivalenceSteps is how many policy changes TestIndexEqualsEnforce makes, each
// followed by equivalenceRequests new random requests.
const equivalenceSteps, equivalenceRequests = 30, 120
