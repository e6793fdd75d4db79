package store

import (
	"encoding/json"
	"fmt"
)

// migrateSets moves the joiners and template_users buckets from one record
// per set, listing every member, to one nested bucket per set with one
// record per member (schema.go, index_sets.go), and drops the index of
// container names (ContainerOwnersOf reads the stacks' index records). The
// sets are derived data: the old records are dropped and the sets built
// again from the stacks' index records, which name the stacks each one
// joins and the templates it names.
func migrateSets(tx *Tx) error {
	if tx.btx.Bucket([]byte(bucketContainersV4)) != nil {
		if err := tx.btx.DeleteBucket([]byte(bucketContainersV4)); err != nil {
			return fmt.Errorf("drop bucket %s: %w", bucketContainersV4, err)
		}
	}
	for _, b := range setBuckets {
		if _, err := recreate(tx.btx, b); err != nil {
			return err
		}
	}
	return tx.ForEach(bucketStackIndex, func(stack string, value []byte) error {
		var ix StackIndex
		if err := json.Unmarshal(value, &ix); err != nil {
			return fmt.Errorf("decode %s %q: %w", noun(bucketStackIndex), stack, err)
		}
		if err := tx.reindexSet(bucketJoiners, stack, nil, ix.allJoins()); err != nil {
			return err
		}
		return tx.reindexSet(bucketTemplateUsers, stack, nil, ix.userTemplates())
	})
}
