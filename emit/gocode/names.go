// Package gocode generates a typed, allocation-free Go package from a
// model.Machine with github.com/dave/jennifer. The generated package imports
// only the standard library.
package gocode

import (
	"strings"
	"unicode"
)

// initialisms are the snake_case words written in upper case in Go names.
var initialisms = map[string]string{
	"id": "ID", "ids": "IDs", "url": "URL", "http": "HTTP", "json": "JSON", "api": "API",
	"tcp": "TCP", "ip": "IP", "llm": "LLM", "uri": "URI", "uuid": "UUID", "tls": "TLS", "ttl": "TTL",
}

// GoName turns a snake_case spec name into an exported CamelCase Go name;
// names that contain no underscore only get their first letter capitalised.
func GoName(s string) string {
	if !strings.Contains(s, "_") {
		if up, ok := initialisms[s]; ok {
			return up
		}
		return exported(s)
	}
	var b strings.Builder
	for _, part := range strings.Split(s, "_") {
		if part == "" {
			continue
		}
		if up, ok := initialisms[strings.ToLower(part)]; ok {
			b.WriteString(up)
			continue
		}
		b.WriteString(exported(part))
	}
	return b.String()
}

func exported(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}

func unexported(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	r[0] = unicode.ToLower(r[0])
	return string(r)
}
