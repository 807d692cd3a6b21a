package config_test

import (
	"fmt"

	"github.com/caarlos0/env/v11"

	"github.com/jobflow/jobflow/internal/config"
)

func ExampleLoadWith() {
	type Worker struct {
		MaxConcurrent int `env:"WORKER_MAX_CONCURRENT_ACTIVITIES"`
	}
	_, err := config.LoadWith[Worker](env.Options{Environment: map[string]string{"WORKER_MAX_CONCURRENT_ACTIVITIES": "abc"}})
	fmt.Println(err)
	// Output: config: WORKER_MAX_CONCURRENT_ACTIVITIES="abc" is not a valid int: strconv.ParseInt: parsing "abc": invalid syntax
}
