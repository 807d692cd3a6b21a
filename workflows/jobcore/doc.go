// Package jobcore holds what every jobflow flow uses, written once: the
// activity options of the sends, how a failed send is named, the
// deterministic field merge and the capped lists (issue #13).
//
// It imports no flow package, so every flow can import it without a cycle.
package jobcore
