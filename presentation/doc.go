// Package presentation holds wstack's one view of a credential (Credential)
// over every supported format, the query languages that select credentials
// (DIF Presentation Exchange v2.1.1 and the Digital Credentials Query
// Language of OpenID for Verifiable Presentations 1.0 §6–§7), and the
// building and verification of presentations and submissions.
package presentation
