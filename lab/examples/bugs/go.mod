module example.com/bugs

go 1.21
