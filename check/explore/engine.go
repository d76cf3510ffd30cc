package explore

import (
	"context"
	"errors"
)

func explore(ctx context.Context, m Model, opt Options) (*Result, error) {
	return nil, errors.New("explore: not implemented yet")
}
