package bugs

import "testing"

func TestParallelCases(t *testing.T) {
	for _, name := range []string{"a", "b", "c"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if name == "" { // every parallel subtest sees the last name: closure/loopvar
				t.Fatal("empty")
			}
		})
	}
}
