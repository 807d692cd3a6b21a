package rules

// Embedding the zone database keeps market time zones (P-2) identical on
// every machine, including minimal containers without /usr/share/zoneinfo.
import _ "time/tzdata"
