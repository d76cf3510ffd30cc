// Package gocode generates a typed, allocation-free Go package from a
// model.Machine with github.com/dave/jennifer. The generated package imports
// only the standard library.
package gocode

import (
	"strings"
	"unicode"
)

// initialisms are the words written in upper case in Go names: Go's
// common initialisms (the list of golint and staticcheck's ST1003) and a few
// more of this domain. Keys are lower case.
var initialisms = map[string]string{
	"acl": "ACL", "api": "API", "ascii": "ASCII", "cpu": "CPU", "css": "CSS", "dns": "DNS",
	"eof": "EOF", "guid": "GUID", "html": "HTML", "http": "HTTP", "https": "HTTPS", "id": "ID",
	"ids": "IDs", "ip": "IP", "json": "JSON", "lhs": "LHS", "llm": "LLM", "qps": "QPS", "ram": "RAM",
	"rhs": "RHS", "rpc": "RPC", "sla": "SLA", "smtp": "SMTP", "sql": "SQL", "ssh": "SSH",
	"tcp": "TCP", "tls": "TLS", "ttl": "TTL", "udp": "UDP", "ui": "UI", "uid": "UID",
	"uuid": "UUID", "uri": "URI", "url": "URL", "utf8": "UTF8", "vm": "VM", "xml": "XML",
	"xmpp": "XMPP", "xsrf": "XSRF", "xss": "XSS",
}

// words splits a spec name into its words: at underscores, at a lower-case
// letter or digit followed by an upper-case one, and before the last upper-case
// letter of a run that a lower-case letter follows ("HTTPServer" is HTTP,
// Server).
func words(s string) []string {
	var out []string
	for _, part := range strings.Split(s, "_") {
		r := []rune(part)
		start := 0
		for i := 1; i < len(r); i++ {
			lowerBefore := unicode.IsLower(r[i-1]) || unicode.IsDigit(r[i-1])
			runEnd := unicode.IsUpper(r[i-1]) && i+1 < len(r) && unicode.IsLower(r[i+1])
			if unicode.IsUpper(r[i]) && (lowerBefore || runEnd) {
				out = append(out, string(r[start:i]))
				start = i
			}
		}
		if start < len(r) {
			out = append(out, string(r[start:]))
		}
	}
	return out
}

// GoName turns a spec name (snake_case or CamelCase) into an exported Go
// name: every word capitalised, and the words of Go's initialisms in upper
// case (session_id and sessionId become SessionID, LlmIdentity becomes
// LLMIdentity).
func GoName(s string) string {
	var b strings.Builder
	for _, w := range words(s) {
		if up, ok := initialisms[strings.ToLower(w)]; ok {
			b.WriteString(up)
			continue
		}
		b.WriteString(exported(w))
	}
	return b.String()
}

// TypeName is the Go name of a spec type, input, effect or enum value: GoName.
func TypeName(s string) string { return GoName(s) }

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
