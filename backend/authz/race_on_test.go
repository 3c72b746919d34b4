//go:build race

package authz

// equivalenceSteps: the race detector slows Casbin's reference Enforce tenfold; fewer
// changes keep the package's run short there (the full count runs without it).
const equivalenceSteps, equivalenceRequests = 10, 60
