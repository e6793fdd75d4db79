// Package tests holds devarch's integration tests (the real binary against temporary homes) and,
// behind the e2e build tag, its end-to-end tests and benchmarks against real container engines.
package tests
