package main

import (
	"strings"
	"testing"
)

// wrap puts one resource's body into a minimal document.
func wrap(body string) []byte {
	return []byte("components:\n  x-manila-states:\n    share:\n      go_name: Share\n" + body)
}

func TestParseRefuses(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{"unknown key", "      statuses: [a]\n      initial: a\n      colour: red\n", `unknown key "colour"`},
		{"status twice", "      statuses: [a, a]\n      initial: a\n", `status "a" declared twice`},
		{"initial undeclared", "      statuses: [a]\n      initial: b\n", `initial: "b" is not one of the statuses`},
		{"set member undeclared", "      statuses: [a]\n      initial: a\n      sets:\n        s: [b]\n", `set s: "b" is not one of the statuses`},
		{"from names no set", "      statuses: [a]\n      initial: a\n      transitions:\n        t: {from: nope, to: a}\n", `from names no set "nope"`},
		{"from missing", "      statuses: [a]\n      initial: a\n      transitions:\n        t: {to: a}\n", `from is missing`},
		{"to undeclared", "      statuses: [a]\n      initial: a\n      transitions:\n        t: {from: [a], to: b}\n", `transition t: "b" is not one of the statuses`},
		{"reset not from any", "      statuses: [a]\n      initial: a\n      sets:\n        s: [a]\n      transitions:\n        t: {from: [a], to_one_of: s}\n", `a to_one_of transition is from any`},
		{"two Go names alike", "      statuses: [a_b, a]\n      initial: a\n      transitions:\n        a_b: {from: [a], to: a}\n", `two of its names map to one Go name`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parse(wrap(tc.body))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("parse error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestRenderOneResource(t *testing.T) {
	rs, err := parse(wrap("      statuses: [new, old_and_done]\n      initial: new\n      sets:\n        ends: [old_and_done]\n" +
		"      transitions:\n        finish: {from: [new], to: old_and_done}\n        fix: {from: any, to_one_of: ends}\n"))
	if err != nil {
		t.Fatal(err)
	}
	code, err := render(rs)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"ShareOldAndDone ShareStatus = \"old_and_done\"",
		"const ShareInitial = ShareNew",
		"ShareEnds = Set[ShareStatus]{ShareOldAndDone}",
		"ShareFinish = Transition[ShareStatus]{Name: \"finish\", From: Set[ShareStatus]{ShareNew}, To: ShareOldAndDone}",
		"ShareFix = Reset[ShareStatus]{Name: \"fix\", Targets: ShareEnds}",
		"var ShareTransitions = []Transition[ShareStatus]{ShareFinish}",
	} {
		if !strings.Contains(string(code), want) {
			t.Errorf("generated code lacks %q:\n%s", want, code)
		}
	}
}
