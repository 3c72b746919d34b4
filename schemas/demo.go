package schemas

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
)

// Demo is the seed in examples/demo.json: departments, one user per role of the demo
// flow (the admin user is created by the server), products with stock and customers.
type Demo struct {
	Departments []DemoDepartment `json:"departments"`
	Users       []DemoUser       `json:"users"`
	Products    []DemoProduct    `json:"products"`
	Channels    []DemoChannel    `json:"channels,omitempty"`
	Customers   []DemoCustomer   `json:"customers"`
}

// DemoChannel is an e-commerce channel posting signed order webhooks. Its secret is a
// documented demo value, never one to keep in production.
type DemoChannel struct {
	Key        string          `json:"key"`
	Name       string          `json:"name"`
	Flow       string          `json:"flow"`
	Department string          `json:"department"`
	Submitter  string          `json:"submitter"`
	Secret     string          `json:"secret"`
	Mapping    json.RawMessage `json:"mapping"`
}

// DemoCustomer is a customer the demo orders name (by name; code is the key).
type DemoCustomer struct {
	Code          string  `json:"code"`
	Name          string  `json:"name"`
	Email         string  `json:"email,omitempty"`
	Language      string  `json:"language,omitempty"`
	Address       string  `json:"address,omitempty"`
	CreditLimit   float64 `json:"credit_limit"`
	Blocked       bool    `json:"blocked,omitempty"`
	BlockedReason string  `json:"blocked_reason,omitempty"`
	// Department whose customers.manage holders manage it ("" company-wide).
	Department string `json:"department,omitempty"`
}

// DemoDepartment is a department; Name is keyed by language (zh-TW, zh-CN, en).
type DemoDepartment struct {
	Key    string            `json:"key"`
	Parent string            `json:"parent,omitempty"`
	Name   map[string]string `json:"name"`
}

// DemoUser is a demo user; Manager is the username of their line manager.
type DemoUser struct {
	Username    string           `json:"username"`
	DisplayName string           `json:"display_name"`
	Email       string           `json:"email"`
	Locale      string           `json:"locale"`
	Manager     string           `json:"manager,omitempty"`
	Memberships []DemoMembership `json:"memberships"`
}

// DemoMembership says the user holds Role in Department.
type DemoMembership struct {
	Department string `json:"department"`
	Role       string `json:"role"`
}

// DemoProduct is a product with its list price and opening stock.
type DemoProduct struct {
	SKU   string  `json:"sku"`
	Name  string  `json:"name"`
	Unit  string  `json:"unit"`
	Price float64 `json:"price"`
	Stock int     `json:"stock"`
}

// LoadDemo reads examples/demo.json, rejecting unknown fields.
func LoadDemo() (*Demo, error) {
	body, err := fs.ReadFile(Examples(), "demo.json")
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var d Demo
	if err := dec.Decode(&d); err != nil {
		return nil, fmt.Errorf("schemas: demo.json: %w", err)
	}
	return &d, nil
}
