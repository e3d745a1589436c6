module example.com/ratelimit

go 1.21.6
