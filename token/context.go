package token

import "context"

// claimsKey is the context key of the verified claims. It is unexported, so
// only this package can set it; every Manager shares it because the
// accessors are package functions.
type claimsKey struct{}

// ClaimsFrom returns the claims the Bearer middleware verified for this
// request, and false when the request did not pass through it.
func ClaimsFrom(ctx context.Context) (*Claims, bool) {
	c, ok := ctx.Value(claimsKey{}).(*Claims)
	return c, ok
}

// Subject returns the verified subject (user ID) of the request's access
// token, or "" when the request did not pass through Bearer.
func Subject(ctx context.Context) string {
	if c, ok := ClaimsFrom(ctx); ok {
		return c.Subject
	}
	return ""
}
