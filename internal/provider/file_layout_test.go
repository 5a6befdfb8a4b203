package provider

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// A resource, data source, ephemeral resource or action file holds what is
// that type's alone; what several of them use lives in a file named for
// what it is (convert.go, plan_checks.go, role_binding.go, ...). This test
// keeps it so: no such file may use a package-level name declared in
// another one.
func TestTypeFilesUseNoNamesOfOtherTypeFiles(t *testing.T) {
	declare := func(declaredIn map[string]string, id *ast.Ident, file string) {
		if id.Name != "_" {
			declaredIn[id.Name] = file
		}
	}
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	isTypeFile := func(name string) bool {
		return !strings.HasSuffix(name, "_test.go") && (strings.HasSuffix(name, "_resource.go") || strings.HasSuffix(name, "_data_source.go") ||
			strings.HasSuffix(name, "_action.go"))
	}
	declaredIn := map[string]string{} // package-level name -> type file
	parsed := map[string]*ast.File{}
	for _, name := range files {
		if !isTypeFile(name) {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		parsed[name] = f
		for _, decl := range f.Decls {
			switch d := decl.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil { // methods are reached through their type
					declare(declaredIn, d.Name, name)
				}
			case *ast.GenDecl:
				for _, spec := range d.Specs {
					switch s := spec.(type) {
					case *ast.TypeSpec:
						declare(declaredIn, s.Name, name)
					case *ast.ValueSpec:
						for _, n := range s.Names {
							declare(declaredIn, n, name)
						}
					}
				}
			}
		}
	}
	if len(parsed) < 10 {
		t.Fatalf("found only %d resource and data source files; is the test running in the package directory?", len(parsed))
	}
	var problems []string
	for name, f := range parsed {
		// x.name selects a field or method, never a package-level name.
		selected := map[*ast.Ident]bool{}
		ast.Inspect(f, func(n ast.Node) bool {
			if sel, ok := n.(*ast.SelectorExpr); ok {
				selected[sel.Sel] = true
			}
			return true
		})
		reported := map[string]bool{}
		ast.Inspect(f, func(n ast.Node) bool {
			id, ok := n.(*ast.Ident)
			if !ok || selected[id] || reported[id.Name] {
				return true
			}
			if owner := declaredIn[id.Name]; owner != "" && owner != name {
				reported[id.Name] = true
				problems = append(problems, name+" uses "+id.Name+" of "+owner)
			}
			return true
		})
	}
	sort.Strings(problems)
	for _, p := range problems {
		t.Error(p + ": move it to a file named for what it is")
	}
}
