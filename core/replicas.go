package core

import "fmt"

// MaxReplicas is the most containers one instance may run.
const MaxReplicas = 100

// ReplicasRule is the rule a replicas value follows.
var ReplicasRule = fmt.Sprintf("want a whole number from 0 to %d (0 keeps the instance defined with no container running)", MaxReplicas)

// ValidateReplicas checks a replicas value: 0..MaxReplicas.
func ValidateReplicas(field string, n int) error {
	c := &checker{}
	c.replicas(field, &n, nil)
	return c.errs.Err()
}

// replicas checks n (nil: the default, one) and, when it is more than one,
// that none of ports binds a fixed host port: a host port is bound by one
// container only, so the second replica could not start.
func (c *checker) replicas(field string, n *int, ports []Port) {
	if n == nil {
		return
	}
	if *n < 0 || *n > MaxReplicas {
		c.add(field, fmt.Sprintf("%d is out of range: %s", *n, ReplicasRule))
		return
	}
	if *n <= 1 {
		return
	}
	for _, p := range ports {
		if p.Host != 0 {
			c.add(field, fmt.Sprintf("%d replicas cannot share the fixed host port %s: one container only can bind it; publish the container port on a random host port (--port %d) or run one replica",
				*n, HostPortString(p), p.Container))
			return
		}
	}
}

// ReplicaCount is how many containers s runs: its Replicas, else one.
func (s Service) ReplicaCount() int {
	if s.Replicas == nil {
		return 1
	}
	return *s.Replicas
}
