package store

// The database layout. Every name a bucket or a fixed key has is a constant
// here; nothing else in the package spells one.
//
//	(root)
//	├── meta                          bookkeeping, no user data
//	│   ├── schema_version            uint64, big-endian, plain
//	│   └── key_check                 Seal(keyCheckPlaintext), aad "meta/key_check"
//	├── stacks                        since v1
//	│   └── blind(name)   → sealed record {name, core.Stack}
//	├── templates                     since v1, user templates only
//	│   └── blind(name)   → sealed record {name, core.Template}
//	├── applied                       since v1, last applied snapshot per stack
//	│   └── blind(stack)  → sealed record {stack, Applied}
//	├── bindings                      since v3, the runtime each applied stack runs on
//	│   └── blind(stack)  → sealed record {stack, RuntimeBinding}
//	├── plans                         since v1, saved plans
//	│   └── blind(id)     → sealed record {id, SavedPlan}
//	├── jobs                          since v1
//	│   └── blind(id)     → sealed record {id, JobRecord}
//	└── events                        since v2, job event log
//	    └── blind(job id)             one bucket per job
//	        └── seq (uint64, big-endian) → sealed record {job id, Event}
//
// blind(name) is secrets.Blind(key, bucket, name): a keyed hash, so record
// names (stack names, plan IDs) never appear in the file. A sealed record is
// secrets.Seal of the JSON {"name": ..., "value": ...} with the additional
// data "<bucket>/<hex(blind(name))>" ("events/<hex(blind(job))>/<seq>" in
// the event log): a record copied under another key or bucket fails to open.
// The schema version is plain so a newer database is recognised before any
// key is tried; key_check is a known value sealed under the key, so a wrong
// key is detected at Open before anything is written.
//
// The values are the record types of records.go (core types, and the
// store's own for the rest), never the daemon's wire types: a record's
// encoding changes only with a migration. A stack's binding is written and
// deleted with its applied snapshot, in the same transaction, and is its
// own small record so that finding where a stack runs does not open the
// snapshot.

// SchemaVersion is the schema this binary reads and writes: the version of
// the last migration.
const SchemaVersion = 3

// Bucket names.
const (
	bucketMeta      = "meta"
	bucketStacks    = "stacks"
	bucketTemplates = "templates"
	bucketApplied   = "applied"
	bucketBindings  = "bindings"
	bucketPlans     = "plans"
	bucketJobs      = "jobs"
	bucketEvents    = "events"
)

// Keys of the meta bucket.
const (
	keySchemaVersion = "schema_version"
	keyKeyCheck      = "key_check"
)

// keyCheckPlaintext is what key_check seals.
const keyCheckPlaintext = "devarch key check v1"

// recordBuckets are the buckets holding sealed records directly (all but
// meta and events), in the order rotation re-seals them.
var recordBuckets = []string{bucketStacks, bucketTemplates, bucketApplied, bucketBindings, bucketPlans, bucketJobs}
