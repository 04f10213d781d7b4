module gort/bench/vsgo

go 1.19
