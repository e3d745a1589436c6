module example.com/pubsub

go 1.22.3
