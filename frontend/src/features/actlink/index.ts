// The landing page of a message's approve/reject link (/act/:token). App imports the
// page module directly (lazy), so nothing is exported for other features.
export {};
