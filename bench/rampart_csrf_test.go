package bench

func rampartStacks() []defenceStack { return nil }
