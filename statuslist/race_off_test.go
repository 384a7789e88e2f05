//go:build !race

package statuslist

const raceEnabled = false
