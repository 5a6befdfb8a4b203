package provider

import (
	"errors"
	"iter"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/list"
)

// counted yields 1, 2, 3, ... up to n, or an error after failAfter items
// (0: never), and counts how many items were asked of it.
func counted(n, failAfter int, asked *int) iter.Seq2[int, error] {
	return func(yield func(int, error) bool) {
		for i := 1; i <= n; i++ {
			*asked++
			if failAfter > 0 && i > failAfter {
				yield(0, errors.New("the page after failed"))
				return
			}
			if !yield(i, nil) {
				return
			}
		}
	}
}

func displayNames(results iter.Seq[list.ListResult]) (names []string, errs int) {
	for r := range results {
		if r.Diagnostics.HasError() {
			errs++
			continue
		}
		names = append(names, r.DisplayName)
	}
	return names, errs
}

// A list stops at Terraform's limit without asking the walk for another
// item (so no page beyond it is fetched), counts only what a filter keeps,
// and ends at an error with one result that carries it.
func TestListResults(t *testing.T) {
	name := func(i int) list.ListResult { return list.ListResult{DisplayName: string(rune('a' + i - 1))} }
	odd := func(i int) bool { return i%2 == 1 }
	for _, c := range []struct {
		what      string
		limit     int64
		n, fail   int
		keep      func(int) bool
		want      string
		wantAsked int
		wantErrs  int
	}{
		{what: "all", limit: 100, n: 5, want: "abcde", wantAsked: 5},
		{what: "limit", limit: 2, n: 5, want: "ab", wantAsked: 2},
		{what: "no limit from another caller", limit: 0, n: 3, want: "abc", wantAsked: 3},
		{what: "limit counts what the filter keeps", limit: 2, n: 9, keep: odd, want: "ac", wantAsked: 3},
		{what: "error", limit: 100, n: 5, fail: 2, want: "ab", wantAsked: 3, wantErrs: 1},
	} {
		t.Run(c.what, func(t *testing.T) {
			asked := 0
			items := counted(c.n, c.fail, &asked)
			if c.keep != nil {
				items = keepOnly(items, c.keep)
			}
			names, errs := displayNames(listResults(list.ListRequest{Limit: c.limit}, items, "Could not list", name))
			got := ""
			for _, n := range names {
				got += n
			}
			if got != c.want || asked != c.wantAsked || errs != c.wantErrs {
				t.Errorf("got %q after %d items asked, %d errors; want %q after %d, %d errors", got, asked, errs, c.want, c.wantAsked, c.wantErrs)
			}
		})
	}

	// Terraform stops listening: nothing more is asked.
	asked := 0
	for range listResults(list.ListRequest{Limit: 100}, counted(5, 0, &asked), "Could not list", name) {
		break
	}
	if asked != 1 {
		t.Errorf("%d items asked after Terraform stopped listening at the first, want 1", asked)
	}
}
