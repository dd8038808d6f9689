// Command pause is the pod sandbox's placeholder process: it holds the pod's namespaces
// open and reaps nothing else. It exits cleanly on SIGINT/SIGTERM so the kubelet can stop
// a sandbox without waiting for a kill timeout.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	<-stop
}
