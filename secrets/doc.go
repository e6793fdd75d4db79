// Package secrets holds devarch's key file, AES-256-GCM sealing and redaction.
package secrets
