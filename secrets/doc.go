// Package secrets holds devarch's key file, AES-256-GCM sealing, blinding and the passphrase KDF.
package secrets
