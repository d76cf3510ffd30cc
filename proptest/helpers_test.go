package proptest

import (
	"encoding/json"

	"pgregory.net/rapid"
)

func mustJSON(t *rapid.T, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
