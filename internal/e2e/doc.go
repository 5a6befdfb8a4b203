// Package e2e holds the end-to-end tests of what users run: the examples
// under examples/ (the reusable module, the teams root module, the GitOps
// pipeline script, the actions' examples with their -invoke command) and
// `make demo`, driven by the real terraform CLI with the
// provider built as a binary, against a real pgcloud-server process and a
// real PostgreSQL. Like the acceptance tests they run only with TF_ACC set
// (make test sets it); everything they need they build and start themselves.
package e2e
