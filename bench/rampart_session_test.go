package bench

func rampartSessionImpls(store string) []sessionImpl { return nil }
