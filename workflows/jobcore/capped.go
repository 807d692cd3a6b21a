package jobcore

// Lists in workflow state are capped (issue #13: bounded by design); the
// state keeps totals beside them so nothing is silently lost.

// KeepNewest drops the oldest entries beyond keep.
func KeepNewest[T any](list []T, keep int) []T {
	if len(list) <= keep {
		return list
	}
	return append(list[:0:0], list[len(list)-keep:]...)
}

// KeepNewestCounted returns a copy of list capped to its newest keep
// entries and adds the number dropped to dropped.
func KeepNewestCounted[T any](list []T, keep, dropped int) ([]T, int) {
	cut := len(list) - keep
	if cut <= 0 {
		return append([]T{}, list...), dropped
	}
	return append([]T{}, list[cut:]...), dropped + cut
}
