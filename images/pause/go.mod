module herdguard.local/pause

go 1.22
