package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// The README of each module under examples/modules is written by hand
// (terraform-docs is not available from the Go module proxy here), so this
// test keeps its Inputs and Outputs tables true to the module: every
// variable and output is listed, nothing else is, and the type, default,
// "Required" and "Sensitive" columns say what the .tf files say. It needs
// neither terraform nor TF_ACC.
func TestModuleREADMEsListEveryVariableAndOutput(t *testing.T) {
	modules, err := filepath.Glob(filepath.Join("..", "..", "examples", "modules", "*"))
	if err != nil {
		t.Fatal(err)
	}
	if len(modules) == 0 {
		t.Fatal("no module under examples/modules")
	}
	for _, dir := range modules {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			vars, outputs := moduleInterface(t, dir)
			readme, err := os.ReadFile(filepath.Join(dir, "README.md"))
			if err != nil {
				t.Fatalf("the module has no README: %v", err)
			}
			inputRows := markdownTable(t, string(readme), "Inputs")
			outputRows := markdownTable(t, string(readme), "Outputs")

			compareNames(t, "variable", keysOf(vars), keysOf(inputRows))
			for name, v := range vars {
				row, ok := inputRows[name]
				if !ok {
					continue
				}
				if len(row) != 5 {
					t.Errorf("README, input %s: %d columns, want 5 (Name, Description, Type, Default, Required)", name, len(row))
					continue
				}
				if got := unquote(row[2]); got != v.typ {
					t.Errorf("README, input %s: type %q, the module says %q", name, got, v.typ)
				}
				wantDefault, wantRequired := "n/a", "yes"
				if v.hasDefault {
					wantDefault, wantRequired = v.def, "no"
				}
				if got := unquote(row[3]); got != wantDefault {
					t.Errorf("README, input %s: default %q, the module says %q", name, got, wantDefault)
				}
				if row[4] != wantRequired {
					t.Errorf("README, input %s: required %q, want %q", name, row[4], wantRequired)
				}
			}

			compareNames(t, "output", keysOf(outputs), keysOf(outputRows))
			for name, sensitive := range outputs {
				row, ok := outputRows[name]
				if !ok {
					continue
				}
				if len(row) != 3 {
					t.Errorf("README, output %s: %d columns, want 3 (Name, Description, Sensitive)", name, len(row))
					continue
				}
				want := map[bool]string{true: "yes", false: "no"}[sensitive]
				if row[2] != want {
					t.Errorf("README, output %s: sensitive %q, the module says %q", name, row[2], want)
				}
			}
		})
	}
}

// moduleVariable is what the README says about a variable.
type moduleVariable struct {
	typ        string // source text of the type, whitespace collapsed
	def        string // source text of the default, whitespace collapsed
	hasDefault bool
}

// moduleInterface parses the module's .tf files and returns its variables
// and its outputs (name → sensitive).
func moduleInterface(t *testing.T, dir string) (map[string]moduleVariable, map[string]bool) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.tf"))
	if err != nil {
		t.Fatal(err)
	}
	vars, outputs := map[string]moduleVariable{}, map[string]bool{}
	parser := hclparse.NewParser()
	for _, name := range files {
		f, diags := parser.ParseHCLFile(name)
		if diags.HasErrors() {
			t.Fatalf("parse %s: %s", name, diags.Error())
		}
		body := f.Body.(*hclsyntax.Body)
		source := func(e hclsyntax.Expression) string { return collapse(string(e.Range().SliceBytes(f.Bytes))) }
		for _, b := range body.Blocks {
			if len(b.Labels) != 1 {
				continue
			}
			switch b.Type {
			case "variable":
				var v moduleVariable
				if a, ok := b.Body.Attributes["type"]; ok {
					v.typ = source(a.Expr)
				}
				if a, ok := b.Body.Attributes["default"]; ok {
					v.def, v.hasDefault = source(a.Expr), true
				}
				vars[b.Labels[0]] = v
			case "output":
				sensitive := false
				if a, ok := b.Body.Attributes["sensitive"]; ok {
					switch src := source(a.Expr); src {
					case "true", "false":
						sensitive = src == "true"
					default:
						t.Fatalf("output %s: sensitive = %s, want true or false", b.Labels[0], src)
					}
				}
				outputs[b.Labels[0]] = sensitive
			}
		}
	}
	if len(vars) == 0 || len(outputs) == 0 {
		t.Fatalf("found %d variables and %d outputs in %s, want some of each", len(vars), len(outputs), dir)
	}
	return vars, outputs
}

// markdownTable returns the rows of the table under the "## <heading>"
// heading, by the name in their first column (in backticks), each row as
// its trimmed cells.
func markdownTable(t *testing.T, markdown, heading string) map[string][]string {
	t.Helper()
	_, section, found := strings.Cut(markdown, "\n## "+heading+"\n")
	if !found {
		t.Fatalf("the README has no %q section", "## "+heading)
	}
	if next := strings.Index(section, "\n## "); next >= 0 {
		section = section[:next]
	}
	rows := map[string][]string{}
	for _, line := range strings.Split(section, "\n") {
		if !strings.HasPrefix(line, "| `") {
			continue // not a row of the table, or its header
		}
		cells := strings.Split(strings.Trim(strings.TrimSpace(line), "|"), " | ")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		name := unquote(cells[0])
		if _, dup := rows[name]; dup {
			t.Errorf("README, %s: %s is listed twice", heading, name)
		}
		rows[name] = cells
	}
	return rows
}

func compareNames(t *testing.T, what string, module, readme []string) {
	t.Helper()
	for _, n := range module {
		if !slices.Contains(readme, n) {
			t.Errorf("the README does not list %s %q", what, n)
		}
	}
	for _, n := range readme {
		if !slices.Contains(module, n) {
			t.Errorf("the README lists %s %q, which the module does not have", what, n)
		}
	}
}

func keysOf[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

var whitespace = regexp.MustCompile(`\s+`)

func collapse(s string) string { return whitespace.ReplaceAllString(strings.TrimSpace(s), " ") }

// unquote removes the backticks around a code span.
func unquote(cell string) string {
	return collapse(strings.TrimSuffix(strings.TrimPrefix(cell, "`"), "`"))
}
