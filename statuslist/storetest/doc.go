// Package storetest is the contract suite every statuslist.Store must pass:
// memory, SQLite and PostgreSQL run the same tests.
package storetest
