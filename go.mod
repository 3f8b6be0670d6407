module github.com/coordkit/coordkit

go 1.24

require (
	github.com/cenkalti/backoff/v4 v4.3.0
	github.com/hashicorp/go-multierror v1.1.1
	github.com/stretchr/testify v1.12.1
	go.etcd.io/bbolt v1.4.3
)

require (
	github.com/hashicorp/errwrap v1.0.0 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
	golang.org/x/sys v0.29.0 // indirect
)
