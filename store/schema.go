package store

// The database layout. Every name a bucket or a fixed key has is a constant
// here; nothing else in the package spells one.
//
//	(root)
//	├── meta                          bookkeeping, no user data
//	│   ├── schema_version            uint64, big-endian, plain
//	│   ├── key_check                 Seal(keyCheckPlaintext), aad "meta/key_check"
//	│   └── index_catalog             since v4, plain hex sha256 of the built-in catalog the index was built with
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
//	├── events                        since v2, job event log
//	│   └── blind(job id)             one bucket per job
//	│       └── seq (uint64, big-endian) → sealed record {job id, Event}
//	│                                 the cross-stack index, since v4 (index.go):
//	├── stack_index
//	│   └── blind(stack)  → sealed record {stack, StackIndex}
//	├── summaries                     one per stack with a definition (stack ls)
//	│   └── blind(stack)  → sealed record {stack, StackSummary}
//	├── ports                         host ports published, any host IP
//	│   └── blind("PORT/PROTO") → sealed record {"PORT/PROTO", []PortClaim}
//	│                                 (container names devarch-STACK-INSTANCE were indexed in
//	│                                 "containers" in v4; since v5 they are read from the
//	│                                 stack_index records of the stacks they can name)
//	├── joiners                       the join graph, reversed; since v5 one bucket per stack
//	│   └── blind(stack)              the stacks joining its network
//	│       └── blind(joiner) → sealed record {joiner, stack}
//	└── template_users                the stacks naming a user template (not a built-in one); since v5 one bucket per template
//	    └── blind(template)           the stacks naming it
//	        └── blind(user) → sealed record {user, template}
//
// blind(name) is secrets.Blind(key, bucket, name): a keyed hash, so record
// names (stack names, plan IDs) never appear in the file. A sealed record is
// secrets.Seal of the JSON {"name": ..., "value": ...} with the additional
// data "<bucket>/<hex(blind(name))>" ("events/<hex(blind(job))>/<seq>" in
// the event log): a record copied under another key or bucket fails to open.
// A member of a set of joiners or template_users (index_sets.go) is blinded
// in the domain of its set's path, "<bucket>/<hex(blind(set))>", rather
// than its bucket's, and sealed with the additional data
// "<bucket>/<hex(blind(set))>/<hex(blind(member))>"; it holds the set's
// name, so that rotation finds the set again under the new key.
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
//
// The index is derived data: PutStack, DeleteStack, PutApplied,
// DeleteApplied, PutTemplate and DeleteTemplate update it in the
// transaction of the write (a template change re-indexes the stacks naming
// it), migration 4 builds it from the records, and Open rebuilds it when
// the built-in catalog differs from the one index_catalog names. Its keys
// are blinded and its values sealed like every record: no stack, instance
// or container name, nor a port, is readable in the file. The forward join
// graph is each stack's StackIndex (its definition's and applied
// snapshot's joins); joiners is its reverse. Joiners and template users
// are sets with a record per member (migration 5), so that a write adding
// a stack to a set or taking it out costs one record, however many stacks
// the set holds; schema 4 kept each set in one record listing every
// member.

// SchemaVersion is the schema this binary reads and writes: the version of
// the last migration.
const SchemaVersion = 5

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

	bucketStackIndex = "stack_index"
	bucketSummaries  = "summaries"
	bucketPorts      = "ports"
	// bucketContainersV4 indexed container names from v4 to v5, when
	// migration 5 dropped it (index.go's ContainerOwnersOf reads the
	// stacks' index records instead).
	bucketContainersV4  = "containers"
	bucketJoiners       = "joiners"
	bucketTemplateUsers = "template_users"
)

// Keys of the meta bucket.
const (
	keySchemaVersion = "schema_version"
	keyKeyCheck      = "key_check"
	keyIndexCatalog  = "index_catalog"
)

// keyCheckPlaintext is what key_check seals.
const keyCheckPlaintext = "devarch key check v1"

// recordBuckets are the buckets holding sealed records directly (all but
// meta, events and the set buckets of index_sets.go), in the order
// rotation re-seals them.
var recordBuckets = []string{bucketStacks, bucketTemplates, bucketApplied, bucketBindings, bucketPlans, bucketJobs,
	bucketStackIndex, bucketSummaries, bucketPorts}

// indexBuckets are the buckets of the cross-stack index.
var indexBuckets = []string{bucketStackIndex, bucketSummaries, bucketPorts, bucketJoiners, bucketTemplateUsers}
