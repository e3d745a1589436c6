module example.com/lockkit

go 1.22
