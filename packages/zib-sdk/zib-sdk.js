// placeholder: the ZiB SDK lands here
