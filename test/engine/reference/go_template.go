// Executes a template with Go's text/template, the engine Ollama runs a Modelfile's TEMPLATE with, on Ollama's
// data shape (.Messages of {Role, Content}, .Prompt, .System), for test/engine/ollamaModelfile.test.ts.
// Input (stdin): {"template": "...", "values": [{"Messages": [{"Role": "user", "Content": "..."}], "Prompt": "..."}]}
// Output (stdout): the renderings, a JSON array of strings.
package main

import (
	"encoding/json"
	"os"
	"strings"
	"text/template"
)

type Message struct {
	Role    string
	Content string
}

type Values struct {
	Messages []Message
	Prompt   string
	System   string
}

func main() {
	var job struct {
		Template string
		Values   []Values
	}
	if err := json.NewDecoder(os.Stdin).Decode(&job); err != nil {
		panic(err)
	}
	tmpl := template.Must(template.New("modelfile").Parse(job.Template))
	out := []string{}
	for _, v := range job.Values {
		var b strings.Builder
		if err := tmpl.Execute(&b, v); err != nil {
			panic(err)
		}
		out = append(out, b.String())
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		panic(err)
	}
}
