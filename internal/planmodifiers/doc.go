// Package planmodifiers holds the attribute plan modifiers of the pgcloud
// provider that the framework's own packages (stringplanmodifier, ...) do not
// provide.
package planmodifiers
