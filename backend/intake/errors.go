package intake

import (
	"errors"
	"strconv"

	"sluice/backend/definitions"
	"sluice/backend/i18n"
)

// Error is a fault intake finds in a file, a cell, a payload or a mapping, named by a
// stable code: the catalogue's field code (its message is "field.<code>") with its
// parameters as data, so that it is said in the reader's language where it is shown.
// Error() says it in English (logs, the stored fallback).
type Error struct {
	Code   string
	Params i18n.Params
}

func (e *Error) Error() string { return i18n.En("field."+e.Code, e.Params) }

// fault is the error of code (an error, so a nil *Error never hides in one).
func fault(code string, p i18n.Params) error { return &Error{Code: code, Params: p} }

// reason is err as a message parameter: kept as data when intake named it, else its
// own text (a library's, English).
func reason(err error) any {
	var e *Error
	if errors.As(err, &e) {
		return i18n.M("field."+e.Code, e.Params)
	}
	return err.Error()
}

// shown is a text from a file or a request as a message parameter, escaped as Go quotes
// it (a NUL, a control character or a byte that is not UTF-8 written out): the message
// is stored with the job, and a database stores neither a NUL nor broken UTF-8.
func shown(text string) string {
	q := strconv.Quote(text)
	return q[1 : len(q)-1]
}

// Problem is a fault in a mapping or a file, at a JSON pointer relative to the mapping
// document (the caller prefixes where the mapping sits in its request): a document's
// problem, its Code and Params naming it in the catalogue (definitions.Coded).
type Problem = definitions.Problem

// coded is the problem of code at pointer.
var coded = definitions.Coded

// problemOf is err's problem at pointer, its code kept when intake named it.
func problemOf(pointer string, err error) Problem {
	var e *Error
	if errors.As(err, &e) {
		return coded(pointer, e.Code, e.Params)
	}
	return Problem{Pointer: pointer, Message: err.Error()}
}

// RowError is why one row of a file did not become an order. Message is it in English;
// Code and Params name it in the catalogue (field.<code>), so it reads in each reader's
// language (Localized). An error without a code is its Message as it is.
type RowError struct {
	Row     int         `json:"row"` // as the spreadsheet numbers it: the header is row 1
	Column  string      `json:"column,omitempty"`
	Code    string      `json:"code,omitempty"`
	Message string      `json:"message"`
	Params  i18n.Params `json:"-"`
}

// RowFault is the row error of code at row and column.
func RowFault(row int, column, code string, p i18n.Params) RowError {
	return RowError{Row: row, Column: column, Code: code, Message: i18n.En("field."+code, p), Params: p}
}

// rowErr is err's row error at row and column, its code kept when intake named it.
func rowErr(row int, column string, err error) RowError {
	var e *Error
	if errors.As(err, &e) {
		return RowFault(row, column, e.Code, e.Params)
	}
	return RowError{Row: row, Column: column, Message: err.Error()}
}

// Localized is the row error's message in lang (its Message when it has no code the
// catalogue knows).
func (r RowError) Localized(lang string) string {
	if r.Code == "" || !i18n.Has("field."+r.Code) {
		return r.Message
	}
	return i18n.T(lang, "field."+r.Code, r.Params)
}
